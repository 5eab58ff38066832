/**
 * Where each unit of a lot is now, computed per node from lot-level aggregates and merged across nodes.
 *
 * Each node finds, in one statement, the latest event it recorded for every unit of the lot (directly,
 * or through a case or pallet that held it) and classifies it: held by a partner at a location, in
 * transit between two partners, dispensed, destroyed, stolen, returned or otherwise decommissioned.
 * It sends the result as one compact table (a JSON string, so that a 100,000-unit lot costs one scalar,
 * not 100,000 objects, in every hop of the query plan). The manufacturer merges the tables: for every
 * unit the latest event across the nodes wins.
 */
import type { SourceOrDestination } from '../epcis/types.ts';

export type PositionState = 'HELD' | 'IN_TRANSIT' | 'DISPENSED' | 'DESTROYED' | 'STOLEN' | 'RETURNED' | 'DECOMMISSIONED';

/** An event as the position query returns it: what it says about where goods are after it. */
export interface LatestEvent {
  eventId: string;
  owner: string;
  eventTime: Date;
  bizStep: string | null;
  disposition: string | null;
  bizLocation: string | null;
  readPoint: string | null;
  destinations: SourceOrDestination[];
}

/** A node's latest event for some units of a lot, with those units' serials. */
export interface LatestEventGroup {
  event: LatestEvent;
  serials: string[];
}

export interface Position {
  state: PositionState;
  /** GLN of the partner holding the unit (or that shipped, dispensed, destroyed it). */
  holder: string;
  location: string | null;
  /** For IN_TRANSIT: GLN of the party it was shipped to, when the shipment named one. */
  to: string | null;
  /** The disposition or step behind a terminal state (destroyed, stolen, expired, …). */
  reason: string | null;
}

const DEPARTURE_STEPS = new Set(['shipping', 'departing']);
const RECEIPT_STEPS = new Set(['receiving', 'accepting', 'arriving']);
const DECOMMISSIONING = new Set(['expired', 'inactive', 'disposed', 'damaged']);

/** Strips a vocabulary IRI to its last word (`…/Disp-exported` → `exported`). */
export function vocabularyWord(value: string): string {
  const tail = value.slice(Math.max(value.lastIndexOf('/'), value.lastIndexOf(':')) + 1);
  return tail.replace(/^(Disp|BizStep)-/, '');
}

const gln = (key: string): string | null => /^\/(?:417|414)\/(\d{13})/.exec(key)?.[1] ?? null;

/** Reads what an event says about where the unit is after it. */
export function classifyEvent(e: LatestEvent): Position {
  const step = e.bizStep ?? '';
  const disposition = e.disposition ?? '';
  const location = e.bizLocation ?? e.readPoint;
  const base = { holder: e.owner, location, to: null, reason: null };
  if (disposition === 'dispensed' || disposition === 'partially_dispensed' || step === 'dispensing') {
    return { ...base, state: 'DISPENSED' };
  }
  if (disposition === 'destroyed' || step === 'destroying') return { ...base, state: 'DESTROYED', reason: 'destroyed' };
  if (disposition === 'stolen') return { ...base, state: 'STOLEN', reason: 'stolen' };
  if (DEPARTURE_STEPS.has(step) || disposition === 'in_transit') {
    const party =
      e.destinations.find((d) => d.type === 'owning_party') ??
      e.destinations.find((d) => d.type === 'possessing_party') ??
      e.destinations.find((d) => d.type === 'location');
    return { ...base, state: 'IN_TRANSIT', to: party ? gln(party.key) : null, reason: disposition === 'returned' ? 'returned' : null };
  }
  if (disposition === 'returned') return { ...base, state: 'RETURNED', reason: 'returned' };
  if (step === 'decommissioning' || DECOMMISSIONING.has(disposition) || disposition.startsWith('http')) {
    return { ...base, state: 'DECOMMISSIONED', reason: disposition ? vocabularyWord(disposition) : 'decommissioned' };
  }
  return { ...base, state: 'HELD' };
}

/** At one instant, goods arrive before anything else happens to them and leave after. */
export function stepRank(bizStep: string | null): number {
  if (bizStep && RECEIPT_STEPS.has(bizStep)) return 0;
  if (bizStep && DEPARTURE_STEPS.has(bizStep)) return 2;
  return 1;
}

export interface PartyInfo {
  name: string | null;
  role: string | null;
  country: string | null;
}

export interface LocationInfo {
  name: string | null;
  country: string | null;
  kind: string | null;
}

/**
 * One node's position table, as it travels between subgraphs. Columnar: one entry per unit in each
 * column, so that parsing it costs a handful of arrays, not one object per unit.
 */
export interface NodePositions {
  v: 1;
  node: string;
  /** Master data as the reporting node knows it, for every GLN and location in the table. */
  parties: Record<string, PartyInfo>;
  locations: Record<string, LocationInfo>;
  groups: Position[];
  events: string[];
  /** The units' serials, one a line. */
  serials: string;
  /** Per unit: the deciding event's time (ms since the epoch), its group, its event and its step rank. */
  at: number[];
  group: number[];
  event: number[];
  rank: number[];
}

/** Builds a node's position table from its latest events; master data comes from the node's own lookups. */
export function buildNodePositions(
  node: string,
  latest: readonly LatestEventGroup[],
  parties: Record<string, PartyInfo>,
  locations: Record<string, LocationInfo>,
): NodePositions {
  const groups: Position[] = [];
  const groupIndex = new Map<string, number>();
  const events: string[] = [];
  const serials: string[] = [];
  const table = { at: [] as number[], group: [] as number[], event: [] as number[], rank: [] as number[] };
  for (const { event, serials: decided } of latest) {
    const position = classifyEvent(event);
    const gkey = `${position.state}|${position.holder}|${position.location}|${position.to}|${position.reason}`;
    let g = groupIndex.get(gkey);
    if (g === undefined) {
      g = groups.push(position) - 1;
      groupIndex.set(gkey, g);
    }
    const ev = events.push(event.eventId) - 1;
    const at = event.eventTime.getTime();
    const rank = stepRank(event.bizStep);
    for (const serial of decided) {
      serials.push(serial);
      table.at.push(at);
      table.group.push(g);
      table.event.push(ev);
      table.rank.push(rank);
    }
  }
  return { v: 1, node, parties, locations, groups, events, serials: serials.join('\n'), ...table };
}

/** The GLNs and location keys a set of latest events refers to (what the node should describe). */
export function referencedMasterData(latest: readonly LatestEventGroup[]): { glns: string[]; locations: string[] } {
  const glns = new Set<string>();
  const locations = new Set<string>();
  for (const { event } of latest) {
    const p = classifyEvent(event);
    glns.add(p.holder);
    if (p.to) glns.add(p.to);
    if (p.location) locations.add(p.location);
  }
  return { glns: [...glns], locations: [...locations] };
}

export function encodeNodePositions(positions: NodePositions): string {
  return JSON.stringify(positions);
}

/** Parses a node's table; anything that is not one is refused with the reason. */
export function decodeNodePositions(text: string, source: string): NodePositions {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`position table from ${source} is not JSON: ${(error as Error).message}`);
  }
  const p = value as NodePositions;
  if (!p || p.v !== 1 || typeof p.serials !== 'string' || !Array.isArray(p.groups) || !Array.isArray(p.events) || !Array.isArray(p.at)) {
    throw new Error(`position table from ${source} is not a version 1 table`);
  }
  return p;
}

const NODE_RANK: Record<string, number> = { MANUFACTURER: 0, DISTRIBUTOR: 1, DISPENSER: 2 };

/** Rows of all tables in one number: table index times ROW_SPAN plus the row. */
const ROW_SPAN = 2 ** 26;

/**
 * Whether row `a` of table `ta` happened after row `b` of table `tb`. Later time wins. At the same
 * instant on one node a departure comes last; across nodes, an arrival or any other event somewhere else
 * beats a departure (the goods got there), and otherwise the node further down the chain wins.
 */
function later(ta: NodePositions, a: number, tb: NodePositions, b: number): boolean {
  const atA = ta.at[a] as number;
  const atB = tb.at[b] as number;
  if (atA !== atB) return atA > atB;
  const rankA = ta.rank[a] as number;
  const rankB = tb.rank[b] as number;
  if (ta.node === tb.node) return rankA > rankB;
  const aLeaves = rankA === 2;
  const bLeaves = rankB === 2;
  if (aLeaves !== bLeaves) return bLeaves;
  return (NODE_RANK[ta.node] ?? 0) > (NODE_RANK[tb.node] ?? 0);
}

/** A group of units in the same position after merging, with the events that put them there. */
export interface MergedGroup extends Position {
  /** The node that recorded the deciding events. */
  node: string;
  serials: string[];
  eventIDs: string[];
  /** The earliest deciding event time in the group. */
  since: number;
}

export interface MergedPositions {
  groups: MergedGroup[];
  /** Serials of the lot that no node reported (none, normally: the manufacturer commissioned them). */
  unaccounted: string[];
  parties: Record<string, PartyInfo>;
  locations: Record<string, LocationInfo>;
}

/**
 * Merges the nodes' tables: each unit is where its latest event puts it. `serials` limits the result
 * to the lot's commissioned units (a node may report nothing else anyway).
 */
export function mergePositions(tables: readonly NodePositions[], serials: readonly string[]): MergedPositions {
  const best = new Map<string, number>();
  tables.forEach((table, t) => {
    const rows = table.serials.length > 0 ? table.serials.split('\n') : [];
    for (let row = 0; row < rows.length; row += 1) {
      const serial = rows[row] as string;
      const prior = best.get(serial);
      if (prior === undefined || later(table, row, tables[Math.floor(prior / ROW_SPAN)] as NodePositions, prior % ROW_SPAN)) {
        best.set(serial, t * ROW_SPAN + row);
      }
    }
  });
  const groups = new Map<number, MergedGroup>();
  const groupEvents = new Map<MergedGroup, Set<string>>();
  const unaccounted: string[] = [];
  for (const serial of serials) {
    const found = best.get(serial);
    if (found === undefined) {
      unaccounted.push(serial);
      continue;
    }
    const t = Math.floor(found / ROW_SPAN);
    const row = found % ROW_SPAN;
    const table = tables[t] as NodePositions;
    const g = table.group[row] as number;
    const key = t * ROW_SPAN + g;
    let group = groups.get(key);
    if (!group) {
      group = { ...(table.groups[g] as Position), node: table.node, serials: [], eventIDs: [], since: table.at[row] as number };
      groups.set(key, group);
      groupEvents.set(group, new Set());
    }
    group.serials.push(serial);
    const eventId = table.events[table.event[row] as number] as string;
    const seen = groupEvents.get(group) as Set<string>;
    if (!seen.has(eventId)) {
      seen.add(eventId);
      group.eventIDs.push(eventId);
    }
    const at = table.at[row] as number;
    if (at < group.since) group.since = at;
  }
  const parties: Record<string, PartyInfo> = {};
  const locations: Record<string, LocationInfo> = {};
  // The first table that names a partner with a name describes it; downstream nodes are read first,
  // since a dispenser's node knows the dispenser, which the manufacturer's master data may not.
  for (const table of [...tables].sort((a, b) => (NODE_RANK[b.node] ?? 0) - (NODE_RANK[a.node] ?? 0))) {
    for (const [k, v] of Object.entries(table.parties)) if (!parties[k]?.name) parties[k] = v;
    for (const [k, v] of Object.entries(table.locations)) if (!locations[k]?.name) locations[k] = v;
  }
  const ordered = [...groups.values()].sort(
    (a, b) => a.state.localeCompare(b.state) || a.since - b.since || a.holder.localeCompare(b.holder),
  );
  return { groups: ordered, unaccounted, parties, locations };
}
