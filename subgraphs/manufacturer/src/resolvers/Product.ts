import { ATTR } from '@tracefed/kit/epcis/vocabulary';
import { partyByGln } from '@tracefed/kit/graphql/resolvers';
import type { Context } from '../context.ts';

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
};
