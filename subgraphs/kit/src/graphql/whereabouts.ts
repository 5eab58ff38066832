import { createHash } from 'node:crypto';
import DataLoader from 'dataloader';
import type { WhereaboutsRepository } from '../epcis/whereabouts.ts';
import {
  buildNodePositions,
  encodeNodePositions,
  referencedMasterData,
  type LotDecisions,
  type LocationInfo,
  type NodePositions,
  type PartyInfo,
  type UnitIndexRef,
} from '../investigations/positions.ts';
import { locationByKey, partyByGln, type NodeContext } from './resolvers.ts';

/** A lot and its commissioned serials, as the manufacturer passes them to the other nodes. */
export interface LotUnits {
  gtin: string;
  lot: string;
  serials: readonly string[];
}

/** The serials of a lot travel between nodes as one line each: one scalar, whatever the lot's size. */
export function formatUnitIndex(serials: readonly string[]): string {
  return serials.join('\n');
}

export function parseUnitIndex(text: string | null | undefined): string[] {
  return text ? text.split('\n').filter((s) => s.length > 0) : [];
}

/**
 * What a position table says it answers: the index's length and a digest of its text as sent. The
 * manufacturer computes the same from its own list when it merges, and refuses a table made for
 * another list (units are named by their place in it).
 */
export function unitIndexRef(text: string, units: number): UnitIndexRef {
  return { units, digest: createHash('sha256').update(text).digest('base64url') };
}

/**
 * Per-request loader: the latest event this node recorded for every unit of each lot, one statement per
 * batch, read from the position table capture keeps current. TRACEFED_RECALL_FROM=history answers from
 * the whole history instead (the definition the table is kept equal to), for comparison and as a way
 * around a table in doubt.
 */
export function createLatestByLotLoader(repo: WhereaboutsRepository) {
  const fromHistory = process.env.TRACEFED_RECALL_FROM === 'history';
  return new DataLoader<LotUnits, LotDecisions, string>(async (lots) => (fromHistory ? repo.latestEventsOfLots(lots) : repo.positionsOfLots(lots)), {
    cacheKeyFn: (lot) => `${lot.gtin}|${lot.lot}`,
  });
}

/**
 * A node's answer to `Lot.<node>Positions`: its latest event for every unit of the lot's index (the
 * manufacturer's `Lot.recallIndex`, passed in through @requires), as the compact table the manufacturer merges.
 */
export async function lotPositionTable(
  ctx: NodeContext,
  latestByLot: DataLoader<LotUnits, LotDecisions, string>,
  lot: { gtin: string; lotNumber: string },
  index: string | null | undefined,
): Promise<string> {
  const text = index ?? '';
  const serials = parseUnitIndex(text);
  const latest = await latestByLot.load({ gtin: lot.gtin, lot: lot.lotNumber, serials });
  return positionTable(ctx, unitIndexRef(text, serials.length), latest);
}

/** This node's position table for a lot, as the compact text the manufacturer merges. */
export async function positionTable(ctx: NodeContext, index: UnitIndexRef, latest: LotDecisions): Promise<string> {
  return encodeNodePositions(await nodePositions(ctx, index, latest));
}

/** This node's position table for a lot, with the master data it holds for the partners and places named. */
export async function nodePositions(ctx: NodeContext, index: UnitIndexRef, latest: LotDecisions): Promise<NodePositions> {
  const table = buildNodePositions(ctx.node, index, latest);
  const refs = referencedMasterData(table);
  const parties: Record<string, PartyInfo> = table.parties;
  const locations: Record<string, LocationInfo> = table.locations;
  await Promise.all([
    ...refs.glns.map(async (gln) => {
      const p = await partyByGln(ctx.loaders, gln);
      parties[gln] = { name: p.name, role: p.role, country: p.country };
    }),
    ...refs.locations.map(async (key) => {
      const l = await locationByKey(ctx.loaders, key);
      if (l) locations[key] = { name: l.name, country: l.country, kind: l.kind };
    }),
  ]);
  return table;
}
