import { mayAccess, requireAccess } from '@tracefed/kit/auth/access';
import { canonicalKey } from '@tracefed/kit/gs1/index';
import { ATTR } from '@tracefed/kit/epcis/vocabulary';
import { formatUnitIndex } from '@tracefed/kit/graphql/whereabouts';
import { glnOf, locationByKey, partyByGln, type PartyValue } from '@tracefed/kit/graphql/resolvers';
import type { Context } from '../context.ts';
import { latestRecall } from '../investigation.ts';
import { presentRecall } from '../presenters.ts';
import { offerRecallPart } from '../recall-prefetch.ts';
import { lotWhereabouts, ownPartFor, recallList, type LotWithPositions } from '../whereabouts.ts';

interface LotRef {
  gtin: string;
  lotNumber: string;
}

const text = (value: unknown) => (typeof value === 'string' ? value : null);
const lotKey = (lot: LotRef) => canonicalKey({ kind: 'lgtin', gtin: lot.gtin, lot: lot.lotNumber });

async function transformation(lot: LotRef, ctx: Context) {
  return (await ctx.loaders.transformationsByLotKey.load(lotKey(lot)))[0] ?? null;
}

async function serials(lot: LotRef, ctx: Context) {
  return ctx.loaders.serialsByLot.load(`${lot.gtin}|${lot.lotNumber}`);
}

export interface ComponentLotValue {
  gtin: string;
  lotNumber: string;
  material: string | null;
  materialKind: string | null;
  supplier: PartyValue | null;
  site: Awaited<ReturnType<typeof locationByKey>>;
  manufactureDate: string | null;
  quantity: number | null;
  uom: string | null;
}

/** A component lot from the manufacturer's master data, with the quantity a transformation consumed. */
export async function componentLotValue(
  ctx: Context,
  ref: { gtin: string; lot: string; key: string; quantity?: number | null; uom?: string | null },
): Promise<ComponentLotValue> {
  const master = (await ctx.loaders.vocabularyByKey.load(ref.key))?.attributes ?? {};
  const supplier = text(master[ATTR.supplier]);
  const site = text(master[ATTR.productionSite]);
  const siteGln = site ? glnOf(site) : null;
  return {
    gtin: ref.gtin,
    lotNumber: ref.lot,
    material: text(master[ATTR.name]),
    materialKind: text(master[ATTR.materialKind]),
    supplier: supplier ? await partyByGln(ctx.loaders, glnOf(supplier) ?? supplier) : null,
    site: siteGln ? await locationByKey(ctx.loaders, `/414/${siteGln}`) : null,
    manufactureDate: text(master[ATTR.productionDate]),
    quantity: ref.quantity ?? null,
    uom: ref.uom ?? null,
  };
}

async function components(lot: LotRef, ctx: Context): Promise<ComponentLotValue[]> {
  const event = await transformation(lot, ctx);
  if (!event) return [];
  const inputs = (await ctx.loaders.epcsByEventPk.load(event.pk)).filter((r) => r.role === 'inputQuantity');
  return Promise.all(
    inputs.map((input) =>
      componentLotValue(ctx, { gtin: input.gtin ?? '', lot: input.lot ?? '', key: input.epcKey, quantity: input.quantity, uom: input.uom }),
    ),
  );
}

export const Lot = {
  // The representation is passed through whole: with @requires it carries the other nodes' position tables.
  __resolveReference: (ref: LotWithPositions): LotWithPositions => ref,
  product: (lot: LotRef) => ({ gtin: lot.gtin }),
  expiry: async (lot: LotRef, _: unknown, ctx: Context) => text((await transformation(lot, ctx))?.ilmd?.[ATTR.itemExpirationDate]),
  manufactureDate: async (lot: LotRef, _: unknown, ctx: Context) =>
    text((await transformation(lot, ctx))?.ilmd?.[ATTR.productionDate]),
  async packagingSite(lot: LotRef, _: unknown, ctx: Context) {
    const event = await transformation(lot, ctx);
    const key = event?.bizLocation ?? event?.readPoint;
    return key ? locationByKey(ctx.loaders, key) : null;
  },
  transformationEventID: async (lot: LotRef, _: unknown, ctx: Context) => (await transformation(lot, ctx))?.eventId ?? null,
  components: (lot: LotRef, _: unknown, ctx: Context) => components(lot, ctx),
  unitCount: async (lot: LotRef, _: unknown, ctx: Context) => (await serials(lot, ctx)).length,
  async units(lot: LotRef, args: { first?: number; after?: string | null }, ctx: Context) {
    const all = await serials(lot, ctx);
    const start = args.after ? all.indexOf(args.after) + 1 : 0;
    const first = Math.max(0, Math.min(args.first ?? 100, 10_000));
    return all.slice(start, start + first).map((serial) => ({ gtin: lot.gtin, serial }));
  },
  async recall(lot: LotRef, _: unknown, ctx: Context) {
    const recall = await latestRecall(ctx, lot.gtin, lot.lotNumber);
    return recall ? presentRecall(ctx, recall) : null;
  },
  unitIndex: async (lot: LotRef, _: unknown, ctx: Context) =>
    formatUnitIndex(await ctx.loaders.commissionedSerialsByLot.load(`${lot.gtin}|${lot.lotNumber}`)),
  /**
   * The unit index for the other nodes' parts of Lot.whereabouts. Only that plan asks for it, so this
   * node starts its own part here (for callers who may see whereabouts) and the merge picks it up
   * (recall-prefetch.ts) instead of computing it after the other nodes answered.
   */
  async recallIndex(lot: LotRef, _: unknown, ctx: Context) {
    const list = await recallList(ctx, lot.gtin, lot.lotNumber);
    if (mayAccess(ctx.identity, 'Lot.whereabouts', { gtin: lot.gtin })) {
      // Not awaited: the list goes out now, and this node's part is computed while the others work.
      offerRecallPart(lot.gtin, lot.lotNumber, list.index.digest, ownPartFor(ctx, lot.gtin, lot.lotNumber, list));
    }
    return list.text;
  },
  whereabouts: (lot: LotWithPositions, _: unknown, ctx: Context) => {
    requireAccess(ctx.identity, 'Lot.whereabouts', { gtin: lot.gtin });
    return lotWhereabouts(ctx, lot);
  },
  async lotsSharingComponents(lot: LotRef, _: unknown, ctx: Context) {
    const own = await components(lot, ctx);
    const related = new Map<string, { lot: LotRef; sharedComponents: ComponentLotValue[] }>();
    await Promise.all(
      own.map(async (component) => {
        const key = canonicalKey({ kind: 'lgtin', gtin: component.gtin, lot: component.lotNumber });
        for (const other of await ctx.loaders.lotsConsumingByComponentKey.load(key)) {
          if (other.gtin === lot.gtin && other.lot === lot.lotNumber) continue;
          const id = `${other.gtin}|${other.lot}`;
          const entry = related.get(id) ?? { lot: { gtin: other.gtin, lotNumber: other.lot }, sharedComponents: [] };
          entry.sharedComponents.push(component);
          related.set(id, entry);
        }
      }),
    );
    return [...related.values()].sort((a, b) => a.lot.gtin.localeCompare(b.lot.gtin) || a.lot.lotNumber.localeCompare(b.lot.lotNumber));
  },
  async eventIDs(lot: LotRef, _: unknown, ctx: Context) {
    const [event, commissioning] = await Promise.all([
      transformation(lot, ctx),
      ctx.loaders.commissioningEventIdsByLot.load(`${lot.gtin}|${lot.lotNumber}`),
    ]);
    return [...(event ? [event.eventId] : []), ...commissioning];
  },
  async partners(lot: LotRef, _: unknown, ctx: Context) {
    const [event, parts] = await Promise.all([transformation(lot, ctx), components(lot, ctx)]);
    const glns = [...(event ? [event.owner] : []), ...parts.flatMap((c) => (c.supplier ? [c.supplier.gln] : []))];
    return Promise.all([...new Set(glns)].map((gln) => partyByGln(ctx.loaders, gln)));
  },
};

export const ComponentLot = {
  async consumedBy(component: { gtin: string; lotNumber: string }, _: unknown, ctx: Context) {
    const key = canonicalKey({ kind: 'lgtin', gtin: component.gtin, lot: component.lotNumber });
    return (await ctx.loaders.lotsConsumingByComponentKey.load(key)).map((l) => ({ gtin: l.gtin, lotNumber: l.lot }));
  },
  async eventIDs(component: { gtin: string; lotNumber: string }, _: unknown, ctx: Context) {
    const key = canonicalKey({ kind: 'lgtin', gtin: component.gtin, lot: component.lotNumber });
    return (await ctx.loaders.classEventsByLotKey.load(key)).filter((e) => e.bizStep === 'receiving').map((e) => e.eventId);
  },
};
