import { GraphQLError } from 'graphql';
import { canonicalKey, toDigitalLink, toEpcUrn, unitKey } from '@tracefed/kit/gs1/index';
import { ATTR } from '@tracefed/kit/epcis/vocabulary';
import { nodeCustody, presentEvent, type ContainerStayValue, type CustodyEventValue } from '@tracefed/kit/graphql/resolvers';
import { buildCustodyChain } from '@tracefed/kit/custody/chain';
import type { Context } from '../context.ts';

export interface UnitRef {
  gtin: string;
  serial: string;
}

interface RequiredCustody {
  node: string;
  events: CustodyEventValue[];
  containers: ContainerStayValue[];
}

type UnitWithRequires = UnitRef & { distributorCustody?: RequiredCustody; dispenserCustody?: RequiredCustody };

const keyOf = (unit: UnitRef) => unitKey(unit.gtin, unit.serial);

async function commissioning(unit: UnitRef, ctx: Context) {
  const events = await ctx.loaders.commissioningByUnitKey.load(keyOf(unit));
  return events[0] ?? null;
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
  async commissioning(unit: UnitRef, _: unknown, ctx: Context) {
    const event = await commissioning(unit, ctx);
    return event ? presentEvent(ctx, { ...event, subjectKey: keyOf(unit), viaKey: null, role: 'epc' }) : null;
  },
  manufacturerCustody: (unit: UnitRef, _: unknown, ctx: Context) => nodeCustody(ctx, keyOf(unit)),
  async custody(unit: UnitWithRequires, _: unknown, ctx: Context) {
    if (!unit.distributorCustody || !unit.dispenserCustody) {
      // The gateway always supplies @requires fields; a direct caller that omits them gets a clear answer.
      throw new GraphQLError('custody needs distributorCustody and dispenserCustody in the entity representation', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    const own = await nodeCustody(ctx, keyOf(unit));
    const chain = buildCustodyChain([own.events, unit.distributorCustody.events, unit.dispenserCustody.events]);
    const containers = [...own.containers, ...unit.distributorCustody.containers, ...unit.dispenserCustody.containers].sort(
      (a, b) => Date.parse(a.from) - Date.parse(b.from) || a.depth - b.depth,
    );
    return { ...chain, containers };
  },
};
