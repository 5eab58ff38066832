/**
 * Where each unit of a lot is now, computed per node from lot-level aggregates and merged across nodes.
 *
 * Each node finds, in one statement, the latest event it recorded for every unit of the lot (directly,
 * or through a case or pallet that held it) and classifies it: held by a partner at a location, in
 * transit between two partners, dispensed, destroyed, stolen, returned or otherwise decommissioned.
 * It sends the result as one compact table (a JSON string, so that a 100,000-unit lot costs one scalar,
 * not 100,000 objects, in every hop of the query plan). The manufacturer merges the tables: for every
 * unit the latest event across the nodes wins.
 *
 * Units are named by their place in the lot's unit index (the manufacturer's list of commissioned
 * serials that every node received), not by serial: a table holds one small number per unit and one
 * entry per deciding event, and the merge walks arrays instead of hashing 100,000 serials per table
 * (bench/results/recall-through-the-graph-2026-11-28.md). Each table carries the length and digest of
 * the index it answers, so a table made for another list (the lot gained a unit while the recall ran)
 * is refused rather than misread.
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

/** A node's latest event for some units of a lot: their places (0-based) in the lot's unit list as given. */
export interface LatestEventGroup {
  event: LatestEvent;
  units: number[];
}

/** What every event of a class says about where goods are: an event without its ID and time. */
export type EventClass = Omit<LatestEvent, 'eventId' | 'eventTime'>;

/**
 * One node's deciding events for one lot, column by column, as the position queries return them: per
 * event class its attributes; per deciding event its ID, time (ms since the epoch) and class; per unit of
 * the lot's list (as given) the place of its deciding event, or -1. Columns, not an object per event:
 * a dispenser's part of a 100,000-unit recall has 57,707 deciding events in about 150 classes, and an
 * object per event (with its own Date and unit list) cost the node more than building the table from it
 * (bench/results/recall-columns-2026-11-29.md).
 */
export interface LotDecisions {
  classes: EventClass[];
  ids: string[];
  at: number[];
  cls: number[];
  unit: number[];
}

/** Decisions from a list of groups (each group's event its own class), for callers that build groups. */
export function decisionsOf(units: number, latest: readonly LatestEventGroup[]): LotDecisions {
  const d: LotDecisions = { classes: [], ids: [], at: [], cls: [], unit: new Array<number>(units).fill(-1) };
  for (const { event, units: places } of latest) {
    const { eventId, eventTime, ...cls } = event;
    const ev = d.ids.push(eventId) - 1;
    d.at.push(eventTime.getTime());
    d.cls.push(d.classes.push(cls) - 1);
    for (const u of places) {
      if (!Number.isInteger(u) || u < 0 || u >= units) throw new Error(`unit ${u} is outside the lot's unit index of ${units}`);
      d.unit[u] = ev;
    }
  }
  return d;
}

/** The groups the decisions describe (one per deciding event, with its units), for comparisons. */
export function groupsOf(d: LotDecisions): LatestEventGroup[] {
  const groups: LatestEventGroup[] = d.ids.map((eventId, e) => ({
    event: { ...(d.classes[d.cls[e] as number] as EventClass), eventId, eventTime: new Date(d.at[e] as number) },
    units: [],
  }));
  d.unit.forEach((e, u) => {
    if (e >= 0) groups[e]?.units.push(u);
  });
  return groups;
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
export function classifyEvent(e: EventClass): Position {
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

/** The unit index a table answers: how many units it lists and a digest of its text. */
export interface UnitIndexRef {
  units: number;
  digest: string;
}

/**
 * One node's position table, as it travels between subgraphs. Columnar: per deciding event its ID,
 * time, step rank and group; per unit of the lot's index the event that decides it. Parsing it costs a
 * handful of arrays, not one object per unit.
 */
export interface NodePositions {
  v: 2;
  node: string;
  /** The unit index the table answers (see UnitIndexRef). */
  index: UnitIndexRef;
  /** Master data as the reporting node knows it, for every GLN and location in the table. */
  parties: Record<string, PartyInfo>;
  locations: Record<string, LocationInfo>;
  groups: Position[];
  /** Per deciding event: its ID, its time (ms since the epoch), its step rank and its group. */
  events: string[];
  at: number[];
  rank: number[];
  group: number[];
  /** Per unit of the index, in its order: the deciding event's place in `events`, or -1 (no record here). */
  unit: number[];
}

/**
 * Builds a node's position table from its deciding events: each class is classified once. Master data is
 * left empty: the node fills it from its own lookups for the partners and places `referencedMasterData`
 * names.
 */
export function buildNodePositions(node: string, index: UnitIndexRef, decided: LotDecisions): NodePositions {
  if (decided.unit.length !== index.units) {
    throw new Error(`the deciding events cover ${decided.unit.length} units, the lot's unit index ${index.units}`);
  }
  const groups: Position[] = [];
  const groupIndex = new Map<string, number>();
  const groupOfClass = decided.classes.map((c) => {
    const position = classifyEvent(c);
    const gkey = `${position.state}|${position.holder}|${position.location}|${position.to}|${position.reason}`;
    let g = groupIndex.get(gkey);
    if (g === undefined) {
      g = groups.push(position) - 1;
      groupIndex.set(gkey, g);
    }
    return g;
  });
  const rankOfClass = decided.classes.map((c) => stepRank(c.bizStep));
  const events = decided.ids.length;
  const rank = new Array<number>(events);
  const group = new Array<number>(events);
  for (let e = 0; e < events; e += 1) {
    const c = decided.cls[e] as number;
    rank[e] = rankOfClass[c] as number;
    group[e] = groupOfClass[c] as number;
  }
  return { v: 2, node, index, parties: {}, locations: {}, groups, events: decided.ids, at: decided.at, rank, group, unit: decided.unit };
}

/** The GLNs and location keys a table's groups refer to (what the node should describe). */
export function referencedMasterData(table: Pick<NodePositions, 'groups'>): { glns: string[]; locations: string[] } {
  const glns = new Set<string>();
  const locations = new Set<string>();
  for (const p of table.groups) {
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
  if (
    !p ||
    p.v !== 2 ||
    typeof p.index?.units !== 'number' ||
    typeof p.index?.digest !== 'string' ||
    !Array.isArray(p.groups) ||
    !Array.isArray(p.events) ||
    !Array.isArray(p.at) ||
    !Array.isArray(p.rank) ||
    !Array.isArray(p.group) ||
    !Array.isArray(p.unit) ||
    p.at.length !== p.events.length ||
    p.rank.length !== p.events.length ||
    p.group.length !== p.events.length ||
    p.unit.length !== p.index.units
  ) {
    throw new Error(`position table from ${source} is not a version 2 table`);
  }
  return p;
}

const NODE_RANK: Record<string, number> = { MANUFACTURER: 0, DISTRIBUTOR: 1, DISPENSER: 2 };

/** Groups of all tables in one number: table index times GROUP_SPAN plus the group. */
const GROUP_SPAN = 2 ** 26;

/**
 * Whether event `a` of table `ta` happened after event `b` of table `tb`. Later time wins. At the same
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
 * Merges the nodes' tables: each unit is where its latest event puts it. `serials` is the lot's unit
 * index (the manufacturer's commissioned serials, in the order the other nodes received them) and
 * `index` its length and digest; a table made for another index is refused.
 */
export function mergePositions(tables: readonly NodePositions[], serials: readonly string[], index: UnitIndexRef): MergedPositions {
  for (const table of tables) {
    if (table.index.units !== index.units || table.index.digest !== index.digest || serials.length !== index.units) {
      throw new Error(
        `the ${table.node.toLowerCase()} node answered for another list of the lot's units (${table.index.units} units, digest ${table.index.digest.slice(0, 12)}; ` +
          `this list: ${index.units} units, digest ${index.digest.slice(0, 12)}): the lot changed while the recall ran; ask again`,
      );
    }
  }
  const n = serials.length;
  const bestTable = new Int16Array(n).fill(-1);
  const bestEvent = new Int32Array(n);
  tables.forEach((table, t) => {
    const unit = table.unit;
    for (let i = 0; i < n; i += 1) {
      const e = unit[i] as number;
      if (e < 0) continue;
      const prior = bestTable[i] as number;
      if (prior < 0 || later(table, e, tables[prior] as NodePositions, bestEvent[i] as number)) {
        bestTable[i] = t;
        bestEvent[i] = e;
      }
    }
  });
  const groups = new Map<number, MergedGroup>();
  // An event decides one group of one table, so "seen" is kept per table and event.
  const seen = tables.map((table) => new Uint8Array(table.events.length));
  const unaccounted: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const t = bestTable[i] as number;
    const serial = serials[i] as string;
    if (t < 0) {
      unaccounted.push(serial);
      continue;
    }
    const table = tables[t] as NodePositions;
    const e = bestEvent[i] as number;
    const g = table.group[e] as number;
    const at = table.at[e] as number;
    const key = t * GROUP_SPAN + g;
    let group = groups.get(key);
    if (!group) {
      group = { ...(table.groups[g] as Position), node: table.node, serials: [], eventIDs: [], since: at };
      groups.set(key, group);
    }
    group.serials.push(serial);
    const seenHere = seen[t] as Uint8Array;
    if (seenHere[e] === 0) {
      seenHere[e] = 1;
      group.eventIDs.push(table.events[e] as string);
    }
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
