/**
 * What the logistics node answers about a pack or a container: its legs, the readings on them and the
 * excursions, presented in their GraphQL shapes. The pack's stays in cases and pallets and its
 * product's storage conditions come from the other nodes through @requires.
 */
import { GraphQLError } from 'graphql';
import { unitKey } from '@tracefed/kit/gs1/index';
import { glnOf, locationByKey, partyByGln, ssccOf } from '@tracefed/kit/graphql/resolvers';
import type { Context } from './context.ts';
import { findExcursions, storageFrom, type Excursion } from './excursions.ts';
import { buildLegs, keysOfUnit, legsOfUnit, type Leg, type Stay } from './transit.ts';

interface CustodyContainers {
  containers?: Stay[] | null;
}

/** A pack's representation as the gateway sends it, with the @requires fields when it asked for them. */
export interface UnitRef {
  gtin: string;
  serial: string;
  product?: { storage?: unknown } | null;
  manufacturerCustody?: CustodyContainers;
  distributorCustody?: CustodyContainers;
  dispenserCustody?: CustodyContainers;
}

/** Every node's record of the pack's stays in cases and pallets; fails clearly when a caller left them out. */
function requireStays(unit: UnitRef, field: string): Stay[] {
  const custody = [unit.manufacturerCustody, unit.distributorCustody, unit.dispenserCustody];
  if (custody.some((c) => !c || !Array.isArray(c.containers))) {
    throw new GraphQLError(
      `SerializedUnit.${field} needs manufacturerCustody, distributorCustody and dispenserCustody { containers { key from to } } in the entity representation`,
      { extensions: { code: 'BAD_USER_INPUT' } },
    );
  }
  return custody.flatMap((c) => c?.containers ?? []);
}

// transit and the excursions of one representation share one look-up.
const legsOfRepresentation = new WeakMap<object, Promise<Leg[]>>();

/** The legs that carried the pack, oldest first. */
export function unitLegs(ctx: Context, unit: UnitRef, field: string): Promise<Leg[]> {
  let pending = legsOfRepresentation.get(unit);
  if (!pending) {
    const stays = requireStays(unit, field);
    const key = unitKey(unit.gtin, unit.serial);
    pending = Promise.all(keysOfUnit(key, stays).map((k) => ctx.loaders.carrierEventsByKey.load(k))).then((results) =>
      legsOfUnit(key, buildLegs(results.flat()), stays),
    );
    legsOfRepresentation.set(unit, pending);
  }
  return pending;
}

/** The legs a container was carried on, oldest first. */
export async function containerLegs(ctx: Context, sscc: string): Promise<Leg[]> {
  return buildLegs(await ctx.loaders.carrierEventsByKey.load(`/00/${sscc}`));
}

/** Every partner the legs name: the carriers, and the partners that handed over and took what was carried. */
export function legParties(legs: readonly Leg[]): Set<string> {
  const glns = new Set<string>();
  for (const leg of legs) {
    glns.add(leg.carrier);
    for (const key of [leg.from, leg.to]) {
      const gln = key ? glnOf(key) : null;
      if (gln) glns.add(gln);
    }
  }
  return glns;
}

export interface CarriedExcursion extends Excursion {
  carrier: string;
  sscc: string | null;
}

/**
 * The excursions on the legs against the product's storage conditions (from the manufacturer, through
 * @requires), oldest first. A pallet and a case inside it recorded on the same leg report the same
 * readings once.
 */
export function unitExcursions(unit: UnitRef, legs: readonly Leg[]): CarriedExcursion[] {
  if (unit.product === undefined) {
    throw new GraphQLError('the excursions need product { storage { … } } in the entity representation', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  const storage = storageFrom(unit.product?.storage);
  const seen = new Set<string>();
  const out: CarriedExcursion[] = [];
  for (const leg of legs) {
    for (const x of findExcursions(leg.readings, storage)) {
      const id = `${leg.carrier}|${x.kind}|${x.startedAt.toISOString()}|${x.eventIDs.join(',')}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ ...x, carrier: leg.carrier, sscc: ssccOf(leg.key) });
    }
  }
  return out.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
}

export async function presentLeg(ctx: Context, leg: Leg) {
  const party = async (key: string | null) => {
    const gln = key ? glnOf(key) : null;
    return gln ? partyByGln(ctx.loaders, gln) : null;
  };
  const location = async (key: string | null) => (key ? locationByKey(ctx.loaders, key) : null);
  const [carrier, from, to, fromLocation, toLocation, vehicle] = await Promise.all([
    partyByGln(ctx.loaders, leg.carrier),
    party(leg.from),
    party(leg.to),
    location(leg.fromLocation),
    location(leg.toLocation),
    location(leg.vehicle),
  ]);
  return {
    carrier,
    sscc: ssccOf(leg.key),
    key: leg.key,
    from,
    fromLocation,
    to,
    toLocation,
    pickedUpAt: leg.pickedUpAt,
    deliveredAt: leg.deliveredAt,
    vehicle,
    readings: leg.readings.map((r) => ({
      at: r.at,
      type: r.type,
      value: r.value,
      minValue: r.minValue,
      maxValue: r.maxValue,
      uom: r.uom,
      eventID: r.eventID,
    })),
    eventIDs: leg.eventIDs,
  };
}

export async function presentExcursion(ctx: Context, x: CarriedExcursion) {
  return { ...x, carrier: await partyByGln(ctx.loaders, x.carrier) };
}
