import { canonicalKey } from '@tracefed/kit/gs1/index';
import { ATTR } from '@tracefed/kit/epcis/vocabulary';
import { glnOf, locationByKey, partyByGln } from '@tracefed/kit/graphql/resolvers';
import type { Context } from '../context.ts';

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

export const Lot = {
  __resolveReference: (ref: LotRef) => ({ gtin: ref.gtin, lotNumber: ref.lotNumber }),
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
  async components(lot: LotRef, _: unknown, ctx: Context) {
    const event = await transformation(lot, ctx);
    if (!event) return [];
    const inputs = (await ctx.loaders.epcsByEventPk.load(event.pk)).filter((r) => r.role === 'inputQuantity');
    return Promise.all(
      inputs.map(async (input) => {
        const master = (await ctx.loaders.vocabularyByKey.load(input.epcKey))?.attributes ?? {};
        const supplier = text(master[ATTR.supplier]);
        const site = text(master[ATTR.productionSite]);
        const siteGln = site ? glnOf(site) : null;
        return {
          gtin: input.gtin ?? '',
          lotNumber: input.lot ?? '',
          material: text(master[ATTR.name]),
          materialKind: text(master[ATTR.materialKind]),
          supplier: supplier ? await partyByGln(ctx.loaders, glnOf(supplier) ?? supplier) : null,
          site: siteGln ? await locationByKey(ctx.loaders, `/414/${siteGln}`) : null,
          manufactureDate: text(master[ATTR.productionDate]),
          quantity: input.quantity,
          uom: input.uom,
        };
      }),
    );
  },
  unitCount: async (lot: LotRef, _: unknown, ctx: Context) => (await serials(lot, ctx)).length,
  async units(lot: LotRef, args: { first?: number; after?: string | null }, ctx: Context) {
    const all = await serials(lot, ctx);
    const start = args.after ? all.indexOf(args.after) + 1 : 0;
    const first = Math.max(0, Math.min(args.first ?? 100, 10_000));
    return all.slice(start, start + first).map((serial) => ({ gtin: lot.gtin, serial }));
  },
};
