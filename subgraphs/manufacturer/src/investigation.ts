/**
 * What the manufacturer's node brings to an investigation of one unit: its commissioning records, its
 * recall of the lot and its trading partner authorizations, joined with the custody the other nodes
 * recorded (passed in through @requires) into signals and an EU FMD pack status.
 */
import { GraphQLError } from 'graphql';
import { unitKey } from '@tracefed/kit/gs1/index';
import { ATTR, VTYPE } from '@tracefed/kit/epcis/vocabulary';
import {
  nodeCustody,
  partyByGln,
  type ContainerStayValue,
  type CustodyEventValue,
  type PartyValue,
} from '@tracefed/kit/graphql/resolvers';
import { buildCustodyChain, type CustodyChain } from '@tracefed/kit/custody/chain';
import { partiesInvolved, type CustodyFacts } from '@tracefed/kit/auth/policy';
import {
  detectSignals,
  packStatusOf,
  type CommissioningRecord,
  type ExcursionEvidence,
  type PackStatusValue,
  type Signal,
} from '@tracefed/kit/investigations/signals';
import { readPriceList, readTradingPartners, type TradingRules } from '@tracefed/kit/investigations/prices';
import { isRecallEvent, lotClassKey, readRecall, type RecallRecord } from '@tracefed/kit/investigations/recall';
import type { Context } from './context.ts';

export interface UnitRef {
  gtin: string;
  serial: string;
}

export interface RequiredCustody {
  node: string;
  events: CustodyEventValue[];
  containers: ContainerStayValue[];
}

/** The other nodes' custody of a unit, as the gateway passes it with @requires. */
export interface UnitRequires {
  distributorCustody?: RequiredCustody;
  dispenserCustody?: RequiredCustody;
  /** The logistics node's excursions (the fields that show signals require them). */
  coldChainExcursions?: ExcursionEvidence[];
}

/** The representation once the custody fields are checked to be there. */
export type CustodyRequires = UnitRequires & Required<Pick<UnitRequires, 'distributorCustody' | 'dispenserCustody'>>;

const text = (v: unknown) => (typeof v === 'string' ? v : null);

/** Fails clearly when a caller bypasses the gateway and leaves out the @requires fields. */
export function requireCustody(required: UnitRequires | undefined, field: string): CustodyRequires {
  if (!required?.distributorCustody || !required.dispenserCustody) {
    throw new GraphQLError(`${field} needs distributorCustody and dispenserCustody in the entity representation`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return required as CustodyRequires;
}

/**
 * Fails clearly when the logistics node's excursions are missing from the representation of a field
 * that shows signals (the pack status and the verification outcome do not read them: an excursion is
 * a COMPLIANCE signal, which changes neither).
 */
export function requireExcursions(required: UnitRequires | undefined, field: string): void {
  if (!Array.isArray(required?.coldChainExcursions)) {
    throw new GraphQLError(`${field} needs coldChainExcursions in the entity representation`, { extensions: { code: 'BAD_USER_INPUT' } });
  }
}

/**
 * GLN of the manufacturer that answers for a GTIN: the owner of its product master data, or, for a
 * GTIN missing from the catalogue, the manufacturer whose GS1 Company Prefix it carries. Null when no
 * manufacturer on this node answers for it.
 */
export async function manufacturerOf(ctx: Context, gtin: string): Promise<string | null> {
  const product = await ctx.loaders.vocabularyByKey.load(`/01/${gtin}`);
  if (product) return product.owner;
  for (const row of await ctx.loaders.vocabularyByType.load(VTYPE.epcClass)) {
    const own = /^\/01\/(\d{14})$/.exec(row.key)?.[1];
    const cpl = Number(row.attributes[ATTR.companyPrefixLength]);
    if (own && Number.isInteger(cpl) && cpl > 0 && own.slice(1, 1 + cpl) === gtin.slice(1, 1 + cpl)) return row.owner;
  }
  return null;
}

/** A manufacturer's price list and trading partner authorizations (its master data). */
export async function tradingRules(ctx: Context, manufacturer: string | null): Promise<TradingRules> {
  if (!manufacturer) return { priceList: [], partners: [] };
  const [prices, partners] = await Promise.all([
    ctx.loaders.vocabularyByType.load(VTYPE.priceListEntry),
    ctx.loaders.vocabularyByType.load(VTYPE.tradingPartner),
  ]);
  return {
    priceList: readPriceList(prices).filter((p) => p.publisher === manufacturer),
    partners: readTradingPartners(partners).filter((p) => p.publisher === manufacturer),
  };
}

export async function commissioningRecords(ctx: Context, unit: UnitRef): Promise<CommissioningRecord[]> {
  const events = await ctx.loaders.commissioningByUnitKey.load(unitKey(unit.gtin, unit.serial));
  return events.map((e) => ({
    eventID: e.eventId,
    eventTime: e.eventTime.toISOString(),
    owner: e.owner,
    lot: text(e.ilmd?.[ATTR.lotNumber]),
    expiry: text(e.ilmd?.[ATTR.itemExpirationDate]),
  }));
}

/** Every recall of a lot, oldest first. */
export async function lotRecalls(ctx: Context, gtin: string, lot: string): Promise<RecallRecord[]> {
  const events = await ctx.loaders.classEventsByLotKey.load(lotClassKey(gtin, lot));
  return events.filter(isRecallEvent).map((e) => readRecall(e, { gtin, lot }));
}

export async function latestRecall(ctx: Context, gtin: string, lot: string | null): Promise<RecallRecord | null> {
  if (!lot) return null;
  const recalls = await lotRecalls(ctx, gtin, lot);
  return recalls[recalls.length - 1] ?? null;
}

export interface UnitAssessment {
  chain: CustodyChain;
  signals: Signal[];
  pack: PackStatusValue;
  commissioning: CommissioningRecord[];
  recall: RecallRecord | null;
  manufacturer: string | null;
  /** The carriers the excursions name, as the logistics node names them. */
  carriers: PartyValue[];
}

export interface AssessOptions {
  presented?: { lot?: string | null; expiry?: string | null };
  requester?: string | null;
  now: Date;
}

/** Merges every node's custody of the unit and reads the signals and pack status from it. */
export async function assessUnit(ctx: Context, unit: UnitRef, required: CustodyRequires, options: AssessOptions): Promise<UnitAssessment> {
  const [own, commissioning, manufacturer] = await Promise.all([
    nodeCustody(ctx, unitKey(unit.gtin, unit.serial)),
    commissioningRecords(ctx, unit),
    manufacturerOf(ctx, unit.gtin),
  ]);
  const chain = buildCustodyChain([own.events, required.distributorCustody.events, required.dispenserCustody.events]);
  const primary = commissioning[0] ?? null;
  const [recall, rules] = await Promise.all([latestRecall(ctx, unit.gtin, primary?.lot ?? null), tradingRules(ctx, manufacturer)]);
  const signals = detectSignals({
    gtin: unit.gtin,
    serial: unit.serial,
    manufacturer,
    commissioning,
    chain,
    recall,
    rules,
    excursions: required.coldChainExcursions ?? [],
    ...(options.presented ? { presented: options.presented } : {}),
  });
  const pack = packStatusOf({
    chain,
    commissioned: commissioning.length > 0,
    expiry: primary?.expiry ?? null,
    recall,
    now: options.now,
    requester: options.requester ?? null,
  });
  const carriers = (required.coldChainExcursions ?? []).map((x) => x.carrier);
  return { chain, signals, pack, commissioning, recall, manufacturer, carriers };
}

/**
 * The facts the custody rule reads for a unit: its GTIN and every partner the merged chain of every
 * node names (who recorded each event, where it came from and went to, who held it).
 */
export function custodyFacts(unit: UnitRef, chain: Pick<CustodyChain, 'events' | 'hops'>): CustodyFacts {
  return { gtin: unit.gtin, partiesInvolved: partiesInvolved(chain.events, chain.hops) };
}

/**
 * Parties by GLN for an answer's evidence: named as the events (or the other parties given, such as the
 * carriers the logistics node names) name them, each node describing its own partners, else as this
 * node's master data does.
 */
export async function partiesByGln(
  ctx: Context,
  glns: readonly string[],
  events: readonly CustodyEventValue[] = [],
  others: readonly PartyValue[] = [],
): Promise<PartyValue[]> {
  const known = new Map<string, PartyValue>();
  for (const p of others) if (p.name && !known.has(p.gln)) known.set(p.gln, p);
  for (const e of events) {
    for (const p of [e.recordedBy, ...e.sources.map((s) => s.party), ...e.destinations.map((s) => s.party)]) {
      if (p?.name && !known.has(p.gln)) known.set(p.gln, p);
    }
  }
  return Promise.all([...new Set(glns)].map(async (gln) => known.get(gln) ?? partyByGln(ctx.loaders, gln)));
}
