/**
 * Where every unit of a lot is now: the manufacturer's own lot-level aggregate merged with the ones the
 * distributor and dispenser nodes computed (passed in through @requires as compact tables).
 */
import { GraphQLError } from 'graphql';
import { formatUnitIndex, nodePositions, unitIndexRef } from '@tracefed/kit/graphql/whereabouts';
import { partyByGln, type NodeRole, type PartyValue } from '@tracefed/kit/graphql/resolvers';
import { decodeNodePositions, mergePositions, type MergedGroup, type MergedPositions } from '@tracefed/kit/investigations/positions';
import type { Context } from './context.ts';
import { takeRecallPart, type OwnRecallPart } from './recall-prefetch.ts';
import { locationValue } from './presenters.ts';

export interface LotWithPositions {
  gtin: string;
  lotNumber: string;
  distributorPositions?: string;
  dispenserPositions?: string;
}

/** A group of units, with what the `units` field pages through. */
interface GroupValue {
  gtin: string;
  serials: string[];
  count: number;
  since: string;
  eventIDs: string[];
  node: NodeRole;
}

/**
 * This node's part of a recall: the lot's unit index (the commissioned serials, as Lot.recallIndex sends
 * them to the other nodes) and this node's latest event for each unit.
 */
export async function ownRecallPart(ctx: Context, gtin: string, lot: string): Promise<OwnRecallPart> {
  return ownPartFor(ctx, gtin, lot, await recallList(ctx, gtin, lot));
}

/** The lot's unit index as Lot.recallIndex sends it: the serials, their text and its reference (length, digest). */
export async function recallList(ctx: Context, gtin: string, lot: string) {
  const serials = await ctx.loaders.commissionedSerialsByLot.load(`${gtin}|${lot}`);
  const text = formatUnitIndex(serials);
  return { serials, text, index: unitIndexRef(text, serials.length) };
}

/** This node's latest event for each unit of that list. */
export async function ownPartFor(
  ctx: Context,
  gtin: string,
  lot: string,
  list: Awaited<ReturnType<typeof recallList>>,
): Promise<OwnRecallPart> {
  const latest = await ctx.loaders.latestByLot.load({ gtin, lot, serials: list.serials });
  return { serials: list.serials, index: list.index, latest };
}

export async function lotWhereabouts(ctx: Context, lot: LotWithPositions) {
  if (typeof lot.distributorPositions !== 'string' || typeof lot.dispenserPositions !== 'string') {
    throw new GraphQLError('whereabouts needs distributorPositions and dispenserPositions in the entity representation', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  const others = [decodeNodePositions(lot.distributorPositions, 'the distributor node'), decodeNodePositions(lot.dispenserPositions, 'the dispenser node')];
  // This node's part, started when the other nodes got the list (recall-prefetch.ts), else computed now.
  const started = takeRecallPart(lot.gtin, lot.lotNumber, others[0]!.index.digest);
  const { serials, index, latest } = (started ? await started.catch(() => undefined) : undefined) ?? (await ownRecallPart(ctx, lot.gtin, lot.lotNumber));
  const own = await nodePositions(ctx, index, latest);
  const tables = [own, ...others];
  let merged: MergedPositions;
  try {
    merged = mergePositions(tables, serials, index);
  } catch (error) {
    throw new GraphQLError((error as Error).message, { extensions: { code: 'CONFLICT' } });
  }
  const party = (gln: string) => partyOf(ctx, merged, gln);
  const location = (key: string | null) => locationValue(ctx, key, key ? merged.locations[key] : undefined);
  const base = (g: MergedGroup): GroupValue => ({
    gtin: lot.gtin,
    serials: g.serials,
    count: g.serials.length,
    since: new Date(g.since).toISOString(),
    eventIDs: g.eventIDs,
    node: g.node as NodeRole,
  });
  const of = (...states: string[]) => merged.groups.filter((g) => states.includes(g.state));
  const [held, inTransit, dispensed, removed] = await Promise.all([
    Promise.all(of('HELD').map(async (g) => ({ ...base(g), custodian: await party(g.holder), location: await location(g.location) }))),
    Promise.all(
      of('IN_TRANSIT').map(async (g) => ({ ...base(g), from: await party(g.holder), to: g.to ? await party(g.to) : null })),
    ),
    Promise.all(of('DISPENSED').map(async (g) => ({ ...base(g), dispenser: await party(g.holder), location: await location(g.location) }))),
    Promise.all(
      of('DESTROYED', 'STOLEN', 'RETURNED', 'DECOMMISSIONED').map(async (g) => ({
        ...base(g),
        by: await party(g.holder),
        reason: g.reason ?? g.state.toLowerCase(),
        location: await location(g.location),
      })),
    ),
  ]);
  const glns = [...new Set(merged.groups.flatMap((g) => [g.holder, ...(g.to ? [g.to] : [])]))];
  return {
    gtin: lot.gtin,
    lotNumber: lot.lotNumber,
    unitCount: serials.length,
    held,
    inTransit,
    dispensed,
    destroyedOrReturned: removed,
    unaccounted: merged.unaccounted,
    partners: await Promise.all(glns.map(party)),
  };
}

/** A partner as the node that reported it describes it, else as this node's master data does. */
async function partyOf(ctx: Context, merged: MergedPositions, gln: string): Promise<PartyValue> {
  const info = merged.parties[gln];
  if (info?.name) return { gln, name: info.name, role: info.role, country: info.country };
  return partyByGln(ctx.loaders, gln);
}

/** Pages through a group's units. */
export function groupUnits(group: GroupValue, args: { first?: number; after?: string | null }) {
  const start = args.after ? group.serials.indexOf(args.after) + 1 : 0;
  const first = Math.max(0, Math.min(args.first ?? 100, 10_000));
  return group.serials.slice(start, start + first).map((serial) => ({ gtin: group.gtin, serial }));
}

export const whereaboutsResolvers = {
  LotHolding: { units: groupUnits },
  LotTransit: { units: groupUnits },
  LotDispensed: { units: groupUnits },
  LotRemoved: { units: groupUnits },
};
