/**
 * Transit legs from a carrier's EPCIS events, and the legs that carried a given pack. Pure functions.
 *
 * Business steps. A carrier's pickup is recorded as `loading` (it loads the case or pallet into its own
 * vehicle) and its delivery as `unloading` (it unloads it at the consignee), both CBV 2.0 steps that
 * name what the carrier itself does with its conveyance. `shipping`/`receiving` are the shipper's and
 * the consignee's steps (they change ownership and the custody chain reads them so), and the custody
 * chain reads `departing`/`arriving` like shipping and receiving too; a carrier writing those would
 * look like a trading partner. For interoperability with carriers that do use them, `departing` is
 * still read as a pickup and `arriving` as a delivery here. The read point is the carrier's vehicle (a
 * location under the carrier's own GLN, which capture requires); the route, from whom to whom and
 * where, is in the source and destination lists (possessing party, owning party, location).
 */
import type { SourceOrDestination } from '@tracefed/kit/epcis/types';
import type { Reading } from './readings.ts';

export const PICKUP_STEPS: ReadonlySet<string> = new Set(['loading', 'departing']);
export const DELIVERY_STEPS: ReadonlySet<string> = new Set(['unloading', 'arriving']);

/** One carrier event about one carried thing (a case or pallet, or a pack), with its readings. */
export interface CarrierEvent {
  eventID: string;
  /** GLN of the carrier that captured it. */
  carrier: string;
  /** The canonical key of the thing carried that the event named. */
  key: string;
  eventTime: Date;
  bizStep: string | null;
  readPoint: string | null;
  sources: readonly SourceOrDestination[];
  destinations: readonly SourceOrDestination[];
  readings: readonly Reading[];
}

export interface Leg {
  carrier: string;
  key: string;
  pickedUpAt: Date | null;
  deliveredAt: Date | null;
  /** Party keys (/417/…) and location keys (/414/…) of the route. */
  from: string | null;
  to: string | null;
  fromLocation: string | null;
  toLocation: string | null;
  /** Where it was loaded: the carrier's vehicle or hub. */
  vehicle: string | null;
  readings: Reading[];
  eventIDs: string[];
}

const party = (list: readonly SourceOrDestination[]) =>
  list.find((s) => s.type === 'possessing_party')?.key ?? list.find((s) => s.type === 'owning_party')?.key ?? null;
const place = (list: readonly SourceOrDestination[]) => list.find((s) => s.type === 'location')?.key ?? null;

/** The instants a leg covers: from pickup (or delivery, when only that was recorded) to delivery, open while on the road. */
export function legWindow(leg: Pick<Leg, 'pickedUpAt' | 'deliveredAt'>): { start: number; end: number } {
  const start = (leg.pickedUpAt ?? leg.deliveredAt) as Date;
  return { start: start.getTime(), end: leg.deliveredAt ? leg.deliveredAt.getTime() : Number.POSITIVE_INFINITY };
}

/**
 * The legs in a set of carrier events, per carrier and carried thing, oldest first. A pickup opens a
 * leg and the same carrier's next delivery of the same thing closes it; a second pickup before any
 * delivery opens a new leg (the first stays without a delivery); a delivery with no open leg is a leg
 * of its own. Readings (from any of the carrier's events on the thing, sensor reports included) belong
 * to the leg whose window holds their time; readings outside every leg are not the carrier's to judge.
 */
export function buildLegs(events: readonly CarrierEvent[]): Leg[] {
  const groups = new Map<string, CarrierEvent[]>();
  for (const e of events) {
    const id = `${e.carrier}\u0000${e.key}`;
    const group = groups.get(id);
    if (group) group.push(e);
    else groups.set(id, [e]);
  }
  const legs: Leg[] = [];
  for (const group of groups.values()) {
    const sorted = [...new Map(group.map((e) => [e.eventID, e])).values()].sort((a, b) => a.eventTime.getTime() - b.eventTime.getTime());
    const own: Array<{ leg: Leg; pickup: CarrierEvent | null; delivery: CarrierEvent | null }> = [];
    let open: (typeof own)[number] | null = null;
    for (const e of sorted) {
      const step = e.bizStep ?? '';
      if (PICKUP_STEPS.has(step)) {
        open = { leg: newLeg(e), pickup: e, delivery: null };
        own.push(open);
      } else if (DELIVERY_STEPS.has(step)) {
        if (open) {
          open.delivery = e;
          open.leg.deliveredAt = e.eventTime;
          open = null;
        } else {
          const leg = newLeg(e);
          leg.pickedUpAt = null;
          leg.deliveredAt = e.eventTime;
          own.push({ leg, pickup: null, delivery: e });
        }
      }
    }
    for (const { leg, pickup, delivery } of own) {
      const route = [pickup, delivery].filter((e): e is CarrierEvent => e !== null);
      leg.from = route.map((e) => party(e.sources)).find((k) => k !== null) ?? null;
      leg.fromLocation = route.map((e) => place(e.sources)).find((k) => k !== null) ?? null;
      leg.to = route.map((e) => party(e.destinations)).find((k) => k !== null) ?? null;
      leg.toLocation = route.map((e) => place(e.destinations)).find((k) => k !== null) ?? null;
      leg.vehicle = pickup?.readPoint ?? delivery?.readPoint ?? null;
      const { start, end } = legWindow(leg);
      const ids = new Set<string>(route.map((e) => e.eventID));
      for (const e of sorted) {
        const t = e.eventTime.getTime();
        if (t >= start && t <= end) ids.add(e.eventID);
        for (const r of e.readings) {
          if (r.at.getTime() >= start && r.at.getTime() <= end) {
            leg.readings.push(r);
            ids.add(e.eventID);
          }
        }
      }
      leg.readings.sort((a, b) => a.at.getTime() - b.at.getTime());
      leg.eventIDs = sorted.map((e) => e.eventID).filter((id) => ids.has(id));
      legs.push(leg);
    }
  }
  return legs.sort((a, b) => legWindow(a).start - legWindow(b).start || a.key.localeCompare(b.key));
}

function newLeg(e: CarrierEvent): Leg {
  return {
    carrier: e.carrier,
    key: e.key,
    pickedUpAt: e.eventTime,
    deliveredAt: null,
    from: null,
    to: null,
    fromLocation: null,
    toLocation: null,
    vehicle: null,
    readings: [],
    eventIDs: [],
  };
}

/** A stay of a pack in a case or pallet, as the other nodes recorded it (ContainerStay through @requires). */
export interface Stay {
  key: string;
  from: string;
  to: string | null;
}

/**
 * The legs that carried a pack: legs of the pack itself, and legs of a case or pallet that held it at
 * some instant of the leg (by any node's record of its stays).
 */
export function legsOfUnit(unitKey: string, legs: readonly Leg[], stays: readonly Stay[]): Leg[] {
  return legs.filter((leg) => {
    if (leg.key === unitKey) return true;
    const { start, end } = legWindow(leg);
    return stays.some((s) => s.key === leg.key && Date.parse(s.from) <= end && (s.to === null || Date.parse(s.to) >= start));
  });
}

/** The keys to look carrier events up by for a pack: the pack's own, and every case or pallet that ever held it. */
export function keysOfUnit(unitKey: string, stays: readonly Stay[]): string[] {
  return [...new Set([unitKey, ...stays.map((s) => s.key)])];
}
