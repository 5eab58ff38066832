import { requireAccess } from '@tracefed/kit/auth/access';
import type { Context } from '../context.ts';
import { productPriceList, productTradingPartners } from './Product.ts';

interface ReportRef {
  gtin: string;
  from: Date | string;
  to: Date | string;
  tolerance: number;
}

const day = (value: Date | string) => new Date(value).toISOString().slice(0, 10);

/** The manufacturer's side of a price violation report: its prices and authorizations for the product. */
export const PriceViolationReport = {
  // The report is Query.priceViolations' answer: resolving it as an entity is asking for it.
  // Async, so a refusal nulls this representation only, not every entity of the batch.
  async __resolveReference(ref: ReportRef, ctx: Context): Promise<ReportRef> {
    requireAccess(ctx.identity, 'Query.priceViolations', { gtin: ref.gtin });
    return ref;
  },
  product: (r: ReportRef) => ({ gtin: r.gtin }),
  priceList: (r: ReportRef, _: unknown, ctx: Context) => productPriceList(ctx, r.gtin, { from: day(r.from), to: day(r.to) }),
  tradingPartners: (r: ReportRef, _: unknown, ctx: Context) => productTradingPartners(ctx, r.gtin),
};
