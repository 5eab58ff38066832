import type { StoredEvent } from '../epcis/repository.ts';
import { ATTR } from '../epcis/vocabulary.ts';
import { glnOf, partyByGln, type NodeContext, type PartyValue } from './resolvers.ts';

/** A sale as the GraphQL `Sale` type presents it. */
export interface SaleValue {
  eventID: string;
  soldAt: string;
  seller: PartyValue;
  buyer: PartyValue | null;
  invoice: string | null;
  purchaseOrder: string | null;
  unitPrice: number | null;
  currency: string | null;
}

/**
 * The sale one invoiced shipping event records: the seller is its owning (else possessing) source party,
 * or the partner that captured it; the buyer its owning (else possessing) destination party; invoice and
 * purchase order from its business transactions; price and currency from tracefed's extension fields.
 * Every node that holds sales presents them with this one function.
 */
export async function saleOfEvent(ctx: NodeContext, e: StoredEvent): Promise<SaleValue> {
  const party = (list: StoredEvent['sources']) => {
    const key = list.find((s) => s.type === 'owning_party')?.key ?? list.find((s) => s.type === 'possessing_party')?.key;
    return key ? glnOf(key) : null;
  };
  const sellerGln = party(e.sources) ?? e.owner;
  const buyerGln = party(e.destinations);
  const price = e.extensions?.[ATTR.unitPrice];
  const currency = e.extensions?.[ATTR.currency];
  return {
    eventID: e.eventId,
    soldAt: e.eventTime.toISOString(),
    seller: await partyByGln(ctx.loaders, sellerGln),
    buyer: buyerGln ? await partyByGln(ctx.loaders, buyerGln) : null,
    invoice: e.bizTransactions.find((b) => b.type === 'inv')?.id ?? null,
    purchaseOrder: e.bizTransactions.find((b) => b.type === 'po')?.id ?? null,
    unitPrice: typeof price === 'number' ? price : typeof price === 'string' ? Number(price) : null,
    currency: typeof currency === 'string' ? currency : null,
  };
}
