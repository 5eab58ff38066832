import { requireAccess } from '@tracefed/kit/auth/access';
import { partyByGln, type PartyValue } from '@tracefed/kit/graphql/resolvers';
import {
  checkSale,
  type PriceFinding,
  type PriceListEntry,
  type TradingPartnerEntry,
  type TradingRules,
} from '@tracefed/kit/investigations/prices';
import type { Context } from '../context.ts';
import { presentSale } from '../sales.ts';

interface PartyRep {
  gln: string;
  name: string | null;
  role: string | null;
  country: string | null;
}

/** A price list entry as the manufacturer's node sent it (@requires). */
interface PriceRep {
  id: string;
  publishedBy: PartyRep;
  gtin: string;
  region: string | null;
  channel: string | null;
  priceType: 'LIST' | 'CONTRACT' | 'MAXIMUM';
  amount: number;
  currency: string;
  validFrom: string | null;
  validTo: string | null;
  seller: PartyRep | null;
  buyer: PartyRep | null;
}

interface PartnerRep {
  party: PartyRep;
  publishedBy: PartyRep;
  authorization: 'AUTHORIZED_DISTRIBUTOR' | 'LICENSED_BUYER';
  licence: string | null;
  region: string | null;
  validFrom: string | null;
  validTo: string | null;
  gtins: string[] | null;
}

interface ReportRef {
  gtin: string;
  from: string;
  to: string;
  tolerance: number;
  priceList?: PriceRep[];
  tradingPartners?: PartnerRep[];
}

function rulesOf(ref: ReportRef): TradingRules {
  const priceList: PriceListEntry[] = (ref.priceList ?? []).map((p) => ({
    id: p.id,
    publisher: p.publishedBy.gln,
    gtin: p.gtin,
    region: p.region,
    channel: p.channel,
    priceType: p.priceType.toLowerCase() as PriceListEntry['priceType'],
    amount: p.amount,
    currency: p.currency,
    validFrom: p.validFrom,
    validTo: p.validTo,
    seller: p.seller?.gln ?? null,
    buyer: p.buyer?.gln ?? null,
  }));
  const partners: TradingPartnerEntry[] = (ref.tradingPartners ?? []).map((p, i) => ({
    id: String(i),
    publisher: p.publishedBy.gln,
    partner: p.party.gln,
    authorization: p.authorization === 'AUTHORIZED_DISTRIBUTOR' ? 'distributor' : 'licensed_buyer',
    licence: p.licence,
    region: p.region,
    validFrom: p.validFrom,
    validTo: p.validTo,
    gtins: p.gtins,
  }));
  return { priceList, partners };
}

type Sale = Awaited<ReturnType<typeof presentSale>>;

interface Checked {
  salesChecked: number;
  bySeller: Array<{ seller: PartyValue; salesChecked: number; violations: unknown[]; eventIDs: string[] }>;
}

const reports = new WeakMap<object, Promise<Checked>>();

/** Checks every sale of the product in the period against the manufacturer's prices and partners. */
function checkReport(ref: ReportRef, ctx: Context): Promise<Checked> {
  let pending = reports.get(ref);
  if (!pending) {
    pending = (async () => {
      const events = await ctx.loaders.salesOfProduct.load({ gtin: ref.gtin, from: new Date(ref.from), to: new Date(ref.to) });
      const rules = rulesOf(ref);
      const sales = await Promise.all(events.map((e) => presentSale(ctx, e, ref.gtin)));
      const sellers = new Map<string, Checked['bySeller'][number]>();
      for (const sale of sales) {
        const entry = sellers.get(sale.seller.gln) ?? { seller: sale.seller, salesChecked: 0, violations: [], eventIDs: [] };
        entry.salesChecked += 1;
        const findings = checkSale(
          rules,
          ref.gtin,
          { eventID: sale.eventID, soldAt: sale.soldAt, seller: sale.seller, buyer: sale.buyer, unitPrice: sale.unitPrice, currency: sale.currency },
          ref.tolerance,
        );
        for (const finding of findings) {
          entry.violations.push(await presentFinding(ctx, ref, finding, sale));
          if (!entry.eventIDs.includes(sale.eventID)) entry.eventIDs.push(sale.eventID);
        }
        sellers.set(sale.seller.gln, entry);
      }
      return { salesChecked: sales.length, bySeller: [...sellers.values()].filter((s) => s.violations.length > 0) };
    })();
    reports.set(ref, pending);
  }
  return pending;
}

async function presentFinding(ctx: Context, ref: ReportRef, finding: PriceFinding, sale: Sale) {
  const known = [sale.seller, ...(sale.buyer ? [sale.buyer] : []), ...(ref.priceList ?? []).map((p) => p.publishedBy)];
  return {
    code: finding.code,
    message: finding.message,
    sale,
    reference: finding.reference ? ((ref.priceList ?? []).find((p) => p.id === finding.reference?.id) ?? null) : null,
    deviation: finding.deviation,
    eventIDs: finding.eventIDs,
    partners: await Promise.all(finding.partners.map(async (gln) => known.find((p) => p.gln === gln) ?? partyByGln(ctx.loaders, gln))),
  };
}

/** The distributors' side of a price violation report: this node's sales, checked. */
export const PriceViolationReport = {
  // Every seller's sales of the product, checked: the product's manufacturer and investigators only,
  // whether the gateway or a direct _entities call asks.
  // Async, so a refusal nulls this representation only, not every entity of the batch.
  async __resolveReference(ref: ReportRef, ctx: Context): Promise<ReportRef> {
    requireAccess(ctx.identity, 'Query.priceViolations', { gtin: ref.gtin });
    return ref;
  },
  salesChecked: async (ref: ReportRef, _: unknown, ctx: Context) => (await checkReport(ref, ctx)).salesChecked,
  bySeller: async (ref: ReportRef, _: unknown, ctx: Context) => (await checkReport(ref, ctx)).bySeller,
};
