import { attachFacts } from '@tracefed/kit/auth/access';
import type { StoredEvent } from '@tracefed/kit/epcis/repository';
import type { NodeContext } from '@tracefed/kit/graphql/resolvers';
import { saleOfEvent } from '@tracefed/kit/graphql/sales';

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
  const sale = await saleOfEvent(ctx, e);
  return attachFacts(sale, 'prices', { gtin, seller: sale.seller.gln, buyer: sale.buyer?.gln ?? null });
}
