import { GraphQLError } from 'graphql';
import { canonicalKey, toDigitalLink, toEpcUrn, unitKey } from '@tracefed/kit/gs1/index';
import { ATTR } from '@tracefed/kit/epcis/vocabulary';
import { requireAccess } from '@tracefed/kit/auth/access';
import { nodeCustody, presentEvent, storedEventParties } from '@tracefed/kit/graphql/resolvers';
import { buildCustodyChain } from '@tracefed/kit/custody/chain';
import type { Context } from '../context.ts';
import { diversionOf } from '../diversion.ts';
import {
  assessUnit,
  custodyFacts,
  requireCustody,
  requireExcursions,
  type UnitAssessment,
  type UnitRef,
  type UnitRequires,
} from '../investigation.ts';
import { presentPackStatus, presentSignal, type SaleValue } from '../presenters.ts';
import { toleranceArgument } from './arguments.ts';

export type { UnitRef };

type UnitWithRequires = UnitRef & UnitRequires & { sales?: SaleValue[] };

const keyOf = (unit: UnitRef) => unitKey(unit.gtin, unit.serial);

async function commissioning(unit: UnitRef, ctx: Context) {
  const events = await ctx.loaders.commissioningByUnitKey.load(keyOf(unit));
  return events[0] ?? null;
}

// signals and packStatus come from one assessment per entity representation.
const assessments = new WeakMap<object, Promise<UnitAssessment>>();
function assessment(unit: UnitWithRequires, ctx: Context, field: string): Promise<UnitAssessment> {
  let pending = assessments.get(unit);
  if (!pending) {
    pending = assessUnit(ctx, unit, requireCustody(unit, field), { now: new Date() });
    assessments.set(unit, pending);
  }
  return pending;
}

export const SerializedUnit = {
  // The representation is passed through whole: with @requires it carries the other nodes' custody.
  __resolveReference: (ref: UnitWithRequires): UnitWithRequires => ref,
  digitalLink: (unit: UnitRef) => toDigitalLink({ kind: 'sgtin', gtin: unit.gtin, serial: unit.serial }),
  async epc(unit: UnitRef, _: unknown, ctx: Context) {
    const product = await ctx.loaders.vocabularyByKey.load(canonicalKey({ kind: 'gtin', gtin: unit.gtin }));
    const cpl = Number(product?.attributes[ATTR.companyPrefixLength]);
    return Number.isInteger(cpl) && cpl > 0 ? toEpcUrn({ kind: 'sgtin', gtin: unit.gtin, serial: unit.serial }, cpl) : null;
  },
  commissioned: async (unit: UnitRef, _: unknown, ctx: Context) => (await commissioning(unit, ctx)) !== null,
  product: (unit: UnitRef) => ({ gtin: unit.gtin }),
  async lot(unit: UnitRef, _: unknown, ctx: Context) {
    const event = await commissioning(unit, ctx);
    const lot = event?.ilmd?.[ATTR.lotNumber];
    return typeof lot === 'string' ? { gtin: unit.gtin, lotNumber: lot } : null;
  },
  /**
   * Custody data, answered from this node's records alone (it has no @requires): the partners its own
   * events name decide, with the unit's manufacturer, investigators and regulators.
   */
  async commissioning(unit: UnitRef, _: unknown, ctx: Context) {
    const own = await ctx.loaders.eventsBySubjectKey.load(keyOf(unit));
    requireAccess(ctx.identity, 'SerializedUnit.commissioning', { gtin: unit.gtin, partiesInvolved: storedEventParties(own) });
    const event = await commissioning(unit, ctx);
    return event ? presentEvent(ctx, { ...event, subjectKey: keyOf(unit), viaKey: null, role: 'epc' }) : null;
  },
  manufacturerCustody: (unit: UnitRef, _: unknown, ctx: Context) => nodeCustody(ctx, keyOf(unit)),
  async custody(unit: UnitWithRequires, _: unknown, ctx: Context) {
    const required = requireCustody(unit, 'custody');
    const own = await nodeCustody(ctx, keyOf(unit));
    const chain = buildCustodyChain([own.events, required.distributorCustody.events, required.dispenserCustody.events]);
    // Every node's events are in: the partners the merged chain names decide.
    requireAccess(ctx.identity, 'SerializedUnit.custody', custodyFacts(unit, chain));
    const containers = [...own.containers, ...required.distributorCustody.containers, ...required.dispenserCustody.containers].sort(
      (a, b) => Date.parse(a.from) - Date.parse(b.from) || a.depth - b.depth,
    );
    return { ...chain, containers };
  },
  async signals(unit: UnitWithRequires, _: unknown, ctx: Context) {
    requireExcursions(unit, 'signals');
    const a = await assessment(unit, ctx, 'signals');
    const custody = custodyFacts(unit, a.chain);
    return Promise.all(a.signals.map((s) => presentSignal(ctx, s, a.chain.events, custody, a.carriers)));
  },
  async packStatus(unit: UnitWithRequires, _: unknown, ctx: Context) {
    const a = await assessment(unit, ctx, 'packStatus');
    return presentPackStatus(ctx, a.pack, a.chain.events, custodyFacts(unit, a.chain));
  },
  async diversion(unit: UnitWithRequires, args: { tolerance?: number }, ctx: Context) {
    requireAccess(ctx.identity, 'SerializedUnit.diversion', { gtin: unit.gtin });
    if (!unit.sales) {
      throw new GraphQLError('diversion needs the distributors\' sales in the entity representation', { extensions: { code: 'BAD_USER_INPUT' } });
    }
    return diversionOf(ctx, unit, unit.sales, toleranceArgument(args.tolerance));
  },
};
