import type { CustodyEventValue, NodeRole, PartyValue } from '../graphql/resolvers.ts';

/** A period during which one partner held the unit. */
export interface CustodyHop {
  holder: PartyValue;
  node: NodeRole;
  location: CustodyEventValue['bizLocation'];
  from: string;
  to: string | null;
  receivedFrom: PartyValue | null;
  shippedTo: PartyValue | null;
  receiveEventID: string | null;
  shipEventID: string | null;
  eventIDs: string[];
}

export type BreakCode = 'RECEIPT_WITHOUT_SHIPMENT' | 'TWO_CUSTODIANS' | 'EVENT_WHILE_IN_TRANSIT';

/** A break in custody, with the events that show it. */
export interface CustodyBreak {
  code: BreakCode;
  message: string;
  eventIDs: string[];
  partners: string[];
}

export type UnitStatus =
  | 'UNKNOWN'
  | 'ACTIVE'
  | 'IN_TRANSIT'
  | 'DISPENSED'
  | 'DESTROYED'
  | 'STOLEN'
  | 'EXPIRED'
  | 'RETURNED'
  | 'RECALLED'
  | 'DECOMMISSIONED';

export interface CustodyChain {
  events: CustodyEventValue[];
  hops: CustodyHop[];
  currentCustodian: PartyValue | null;
  inTransit: { from: PartyValue; to: PartyValue | null; since: string; shipEventID: string } | null;
  status: UnitStatus;
  breaks: CustodyBreak[];
}

const NODE_ORDER: Record<NodeRole, number> = { MANUFACTURER: 0, DISTRIBUTOR: 1, DISPENSER: 2, LOGISTICS: 3 };
const RECEIPT_STEPS = new Set(['receiving', 'accepting', 'arriving']);
const DEPARTURE_STEPS = new Set(['shipping', 'departing']);

const STATUS_BY_DISPOSITION: Record<string, UnitStatus> = {
  dispensed: 'DISPENSED',
  partially_dispensed: 'DISPENSED',
  destroyed: 'DESTROYED',
  stolen: 'STOLEN',
  expired: 'EXPIRED',
  returned: 'RETURNED',
  recalled: 'RECALLED',
  in_transit: 'IN_TRANSIT',
  inactive: 'DECOMMISSIONED',
  encoded: 'ACTIVE',
  active: 'ACTIVE',
  in_progress: 'ACTIVE',
  sellable_accessible: 'ACTIVE',
  sellable_not_accessible: 'ACTIVE',
  container_closed: 'ACTIVE',
  needs_replacement: 'ACTIVE',
  non_sellable_other: 'ACTIVE',
};

/** The party an event says the goods went to (or came from): owning party first, then possessing party. */
function counterparty(list: CustodyEventValue['sources']): PartyValue | null {
  const pick = (type: string) => list.find((s) => s.type === type && s.party)?.party ?? null;
  return pick('owning_party') ?? pick('possessing_party');
}

/** At one instant, goods arrive before anything else happens to them, and leave after. */
function stepRank(e: CustodyEventValue): number {
  const step = e.bizStep ?? '';
  if (RECEIPT_STEPS.has(step)) return 0;
  if (DEPARTURE_STEPS.has(step)) return 2;
  return 1;
}

/** Orders events across nodes: event time, then arrival/other/departure, then node order, then event ID. */
export function compareEvents(a: CustodyEventValue, b: CustodyEventValue): number {
  const t = Date.parse(a.eventTime) - Date.parse(b.eventTime);
  if (t !== 0) return t;
  const r = stepRank(a) - stepRank(b);
  if (r !== 0) return r;
  const n = NODE_ORDER[a.node] - NODE_ORDER[b.node];
  if (n !== 0) return n;
  return a.eventID < b.eventID ? -1 : a.eventID > b.eventID ? 1 : 0;
}

/**
 * Merges what every node recorded about one unit into a single custody chain in time order: who held
 * it, where, from whom and to whom it moved, its status now, and every break in custody with the
 * events that show it. Breaks are reported, never smoothed over.
 */
export function buildCustodyChain(eventLists: ReadonlyArray<readonly CustodyEventValue[]>): CustodyChain {
  const seen = new Set<string>();
  const events = eventLists
    .flat()
    .filter((e) => (seen.has(e.eventID) ? false : (seen.add(e.eventID), true)))
    .sort(compareEvents);
  const hops: CustodyHop[] = [];
  const breaks: CustodyBreak[] = [];
  let current: CustodyHop | undefined;
  let transit: { from: PartyValue; to: PartyValue | null; since: string; shipEventID: string } | null = null;

  const openHop = (e: CustodyEventValue, receivedFrom: PartyValue | null, receiveEventID: string | null) => {
    current = {
      holder: e.recordedBy,
      node: e.node,
      location: e.bizLocation ?? e.readPoint,
      from: e.eventTime,
      to: null,
      receivedFrom,
      shippedTo: null,
      receiveEventID,
      shipEventID: null,
      eventIDs: [e.eventID],
    };
    hops.push(current);
  };

  for (const e of events) {
    const actor = e.recordedBy;
    const step = e.bizStep ?? '';
    if (RECEIPT_STEPS.has(step)) {
      if (transit) {
        if (transit.to && transit.to.gln !== actor.gln) {
          breaks.push({
            code: 'RECEIPT_WITHOUT_SHIPMENT',
            message: `${label(actor)} received the unit, but ${label(transit.from)} shipped it to ${label(transit.to)}`,
            eventIDs: [transit.shipEventID, e.eventID],
            partners: [transit.from.gln, transit.to.gln, actor.gln],
          });
        }
        openHop(e, transit.from, e.eventID);
        transit = null;
      } else if (current && current.holder.gln === actor.gln) {
        current.eventIDs.push(e.eventID);
      } else {
        const claimed = counterparty(e.sources);
        breaks.push({
          code: 'RECEIPT_WITHOUT_SHIPMENT',
          message:
            `${label(actor)} recorded a receipt` +
            (claimed ? ` from ${label(claimed)}` : '') +
            ', but no shipment of the unit precedes it',
          eventIDs: [e.eventID],
          partners: [actor.gln, ...(claimed ? [claimed.gln] : [])],
        });
        if (current) {
          breaks.push(twoCustodians(current, e));
          current.to = e.eventTime;
        }
        openHop(e, claimed, e.eventID);
      }
    } else if (DEPARTURE_STEPS.has(step)) {
      if (transit) {
        breaks.push(inTransitBreak(transit, e));
      } else if (current && current.holder.gln !== actor.gln) {
        breaks.push(twoCustodians(current, e));
      }
      const hop = current && current.holder.gln === actor.gln ? current : undefined;
      const to = counterparty(e.destinations);
      if (hop) {
        hop.to = e.eventTime;
        hop.shippedTo = to;
        hop.shipEventID = e.eventID;
        hop.eventIDs.push(e.eventID);
      }
      transit = { from: actor, to, since: e.eventTime, shipEventID: e.eventID };
      current = undefined;
    } else if (transit) {
      breaks.push(inTransitBreak(transit, e));
    } else if (!current) {
      openHop(e, null, null);
    } else if (current.holder.gln !== actor.gln) {
      breaks.push(twoCustodians(current, e));
    } else {
      current.eventIDs.push(e.eventID);
      if (e.bizLocation) current.location = e.bizLocation;
    }
  }

  return {
    events,
    hops,
    currentCustodian: transit ? null : (current?.holder ?? null),
    inTransit: transit,
    status: statusOf(events, transit !== null),
    breaks,
  };
}

function statusOf(events: readonly CustodyEventValue[], inTransit: boolean): UnitStatus {
  if (events.length === 0) return 'UNKNOWN';
  if (inTransit) return 'IN_TRANSIT';
  for (let i = events.length - 1; i >= 0; i -= 1) {
    const e = events[i] as CustodyEventValue;
    if (e.eventType === 'AGGREGATION_EVENT' && !e.disposition) continue;
    if (e.bizStep === 'decommissioning' && !e.disposition) return 'DECOMMISSIONED';
    if (e.disposition) return STATUS_BY_DISPOSITION[e.disposition] ?? 'ACTIVE';
  }
  return 'ACTIVE';
}

function label(p: PartyValue): string {
  return p.name ? `${p.name} (GLN ${p.gln})` : `GLN ${p.gln}`;
}

function twoCustodians(holder: CustodyHop, e: CustodyEventValue): CustodyBreak {
  return {
    code: 'TWO_CUSTODIANS',
    message: `${label(e.recordedBy)} recorded ${e.bizStep ?? 'an event'} while ${label(holder.holder)} still held the unit and never shipped it`,
    eventIDs: [holder.eventIDs[holder.eventIDs.length - 1] as string, e.eventID],
    partners: [holder.holder.gln, e.recordedBy.gln],
  };
}

function inTransitBreak(
  transit: { from: PartyValue; to: PartyValue | null; shipEventID: string },
  e: CustodyEventValue,
): CustodyBreak {
  return {
    code: 'EVENT_WHILE_IN_TRANSIT',
    message:
      `${label(e.recordedBy)} recorded ${e.bizStep ?? 'an event'} while the unit was in transit from ${label(transit.from)}` +
      (transit.to ? ` to ${label(transit.to)}` : '') +
      ', with no receipt in between',
    eventIDs: [transit.shipEventID, e.eventID],
    partners: [transit.from.gln, e.recordedBy.gln],
  };
}
