import { ATTR } from '@tracefed/kit/epcis/vocabulary';
import { requireAccess } from '@tracefed/kit/auth/access';
import { partyByGln } from '@tracefed/kit/graphql/resolvers';
import type { Context } from '../context.ts';
import { tradingRules } from '../investigation.ts';
import { presentPriceListEntry, presentTradingPartner } from '../presenters.ts';

interface ProductRef {
  gtin: string;
}

const text = (value: unknown) => (typeof value === 'string' ? value : null);

async function master(product: ProductRef, ctx: Context) {
  return (await ctx.loaders.vocabularyByKey.load(`/01/${product.gtin}`))?.attributes ?? {};
}

export const Product = {
  __resolveReference: (ref: ProductRef) => ({ gtin: ref.gtin }),
  name: async (p: ProductRef, _: unknown, ctx: Context) => {
    const a = await master(p, ctx);
    return text(a[ATTR.regulatedProductName]) ?? text(a[ATTR.name]);
  },
  nationalDrugCode: async (p: ProductRef, _: unknown, ctx: Context) =>
    text((await master(p, ctx))[ATTR.additionalTradeItemIdentification]),
  dosageForm: async (p: ProductRef, _: unknown, ctx: Context) => text((await master(p, ctx))[ATTR.dosageFormType]),
  strength: async (p: ProductRef, _: unknown, ctx: Context) => text((await master(p, ctx))[ATTR.strengthDescription]),
  async manufacturer(p: ProductRef, _: unknown, ctx: Context) {
    const row = await ctx.loaders.vocabularyByKey.load(`/01/${p.gtin}`);
    return row ? partyByGln(ctx.loaders, row.owner) : null;
  },
  lots: async (p: ProductRef, _: unknown, ctx: Context) =>
    (await ctx.loaders.lotsByGtin.load(p.gtin)).map((lotNumber) => ({ gtin: p.gtin, lotNumber })),
  priceList: async (p: ProductRef, _: unknown, ctx: Context) => {
    requireAccess(ctx.identity, 'Product.priceList', { gtin: p.gtin });
    return productPriceList(ctx, p.gtin);
  },
  tradingPartners: async (p: ProductRef, _: unknown, ctx: Context) => productTradingPartners(ctx, p.gtin),
  /** The label's storage conditions, from the product's master data; null when it gives none. */
  async storage(p: ProductRef, _: unknown, ctx: Context) {
    const a = await master(p, ctx);
    const storage = {
      minTemperature: number(a[ATTR.storageMinimumTemperature]),
      maxTemperature: number(a[ATTR.storageMaximumTemperature]),
      maxRelativeHumidity: number(a[ATTR.storageMaximumHumidity]),
    };
    return Object.values(storage).every((v) => v === null) ? null : storage;
  },
};

/** A master data attribute as a number: EPCIS master data carries numbers as JSON numbers or as text. */
function number(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(n) ? n : null;
}

/** The product's manufacturer's prices for it, optionally only those valid at some time in [from, to]. */
export async function productPriceList(ctx: Context, gtin: string, period?: { from: string; to: string }) {
  const row = await ctx.loaders.vocabularyByKey.load(`/01/${gtin}`);
  const rules = await tradingRules(ctx, row?.owner ?? null);
  const entries = rules.priceList.filter(
    (e) => e.gtin === gtin && (!period || ((!e.validFrom || e.validFrom <= period.to) && (!e.validTo || e.validTo >= period.from))),
  );
  return Promise.all(entries.map((e) => presentPriceListEntry(ctx, e)));
}

/** The distributors and licensed buyers the product's manufacturer authorized for it. */
export async function productTradingPartners(ctx: Context, gtin: string) {
  const row = await ctx.loaders.vocabularyByKey.load(`/01/${gtin}`);
  const rules = await tradingRules(ctx, row?.owner ?? null);
  return Promise.all(rules.partners.filter((p) => p.gtins === null || p.gtins.includes(gtin)).map((p) => presentTradingPartner(ctx, p)));
}
