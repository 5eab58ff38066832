import { attachFacts } from '@tracefed/kit/auth/access';
import type { StoredEvent } from '@tracefed/kit/epcis/repository';
import { ATTR } from '@tracefed/kit/epcis/vocabulary';
import { glnOf, partyByGln, type NodeContext } from '@tracefed/kit/graphql/resolvers';

/** True when a shipping event records a sale: it carries an invoice. */
export function isSale(e: StoredEvent): boolean {
  return e.bizStep === 'shipping' && e.bizTransactions.some((b) => b.type === 'inv');
}

/**
 * The sales view of one shipping event: seller, buyer, invoice, price and currency. The sale is tagged
 * with what the prices rule reads: its seller and buyer, and the product when the sale is read for one
 * (`gtin`; null for a register of whole shipments, where only the parties and investigators see terms).
 */
export async function presentSale(ctx: NodeContext, e: StoredEvent, gtin: string | null) {
  const party = (list: StoredEvent['sources']) =>
    list.find((s) => s.type === 'owning_party')?.key ?? list.find((s) => s.type === 'possessing_party')?.key ?? null;
  const sellerKey = party(e.sources);
  const buyerKey = party(e.destinations);
  const sellerGln = (sellerKey && glnOf(sellerKey)) ?? e.owner;
  const buyerGln = buyerKey ? glnOf(buyerKey) : null;
  const price = e.extensions?.[ATTR.unitPrice];
  const currency = e.extensions?.[ATTR.currency];
  const sale = {
    eventID: e.eventId,
    soldAt: e.eventTime,
    seller: await partyByGln(ctx.loaders, sellerGln),
    buyer: buyerGln ? await partyByGln(ctx.loaders, buyerGln) : null,
    invoice: e.bizTransactions.find((b) => b.type === 'inv')?.id ?? null,
    purchaseOrder: e.bizTransactions.find((b) => b.type === 'po')?.id ?? null,
    unitPrice: typeof price === 'number' ? price : typeof price === 'string' ? Number(price) : null,
    currency: typeof currency === 'string' ? currency : null,
  };
  return attachFacts(sale, 'prices', { gtin, seller: sellerGln, buyer: buyerGln });
}
