/**
 * Diversion: from one serial found on sale where it should not be, the sale by which it left the
 * authorized chain, its selling distributor, and every earlier sale. The manufacturer's own sales come
 * from its node; the distributors' sales arrive through @requires; its trading partner authorizations
 * and price list decide which buyer was outside the chain and which price broke the rules.
 */
import { unitKey } from '@tracefed/kit/gs1/index';
import type { StoredEvent } from '@tracefed/kit/epcis/repository';
import { saleOfEvent } from '@tracefed/kit/graphql/sales';
import { checkSale, isAuthorized, type SaleFacts } from '@tracefed/kit/investigations/prices';
import type { Context } from './context.ts';
import { manufacturerOf, tradingRules, type UnitRef } from './investigation.ts';
import { presentPriceFinding, withSaleFacts, type SaleValue } from './presenters.ts';

const isSale = (e: StoredEvent) => (e.bizStep === 'shipping' || e.bizStep === 'departing') && e.bizTransactions.some((b) => b.type === 'inv');

const facts = (s: SaleValue): SaleFacts => ({
  eventID: s.eventID,
  soldAt: new Date(s.soldAt).toISOString(),
  seller: s.seller,
  buyer: s.buyer,
  unitPrice: s.unitPrice,
  currency: s.currency,
});

const label = (p: { gln: string; name: string | null }) => (p.name ? `${p.name} (GLN ${p.gln})` : `GLN ${p.gln}`);
const money = (s: SaleValue) => (s.unitPrice !== null ? ` at ${s.unitPrice.toFixed(2)} ${s.currency ?? ''}`.trimEnd() : '');

export async function diversionOf(ctx: Context, unit: UnitRef, distributorSales: readonly SaleValue[], tolerance: number) {
  const [events, manufacturer] = await Promise.all([
    ctx.loaders.eventsBySubjectKey.load(unitKey(unit.gtin, unit.serial)),
    manufacturerOf(ctx, unit.gtin),
  ]);
  const own = await Promise.all(events.filter(isSale).map((e) => saleOfEvent(ctx, e)));
  const seen = new Set<string>();
  const sales = [...own, ...distributorSales]
    .filter((s) => (seen.has(s.eventID) ? false : (seen.add(s.eventID), true)))
    .sort((a, b) => Date.parse(String(a.soldAt)) - Date.parse(String(b.soldAt)))
    // The distributors' sales arrive as plain JSON: each is tagged here, where the product is known.
    .map((s) => withSaleFacts(s, unit.gtin));
  const rules = await tradingRules(ctx, manufacturer);
  const day = (s: SaleValue) => new Date(s.soldAt).toISOString().slice(0, 10);
  const buyerOk = (s: SaleValue) => (s.buyer ? isAuthorized(rules, s.buyer.gln, unit.gtin, day(s), 'buyer') : null);

  const exitIndex = sales.findIndex((s) => buyerOk(s) === false);
  const lastIndex = exitIndex >= 0 ? exitIndex : sales.length - 1;
  const lastSale = sales[lastIndex] ?? null;
  const violations = (
    await Promise.all(sales.map((s) => Promise.all(checkSale(rules, unit.gtin, facts(s), tolerance).map((f) => presentPriceFinding(ctx, f, s)))))
  ).flat();

  let message: string;
  if (!lastSale) message = 'no sale of the pack is recorded on the network';
  else if (exitIndex >= 0) {
    message =
      `${label(lastSale.seller)} sold the pack on ${day(lastSale)} to ${lastSale.buyer ? label(lastSale.buyer) : 'an unnamed buyer'}` +
      `${money(lastSale)}${lastSale.invoice ? ` (invoice ${lastSale.invoice})` : ''}, which is neither an authorized distributor nor a licensed buyer: ` +
      `that sale took it out of the authorized chain`;
  } else {
    message =
      `no recorded sale left the authorized chain; the last recorded sale was by ${label(lastSale.seller)} on ${day(lastSale)}` +
      `${lastSale.buyer ? ` to ${label(lastSale.buyer)}` : ''}${money(lastSale)}: the pack left the chain after that`;
  }
  const partners = new Map<string, SaleValue['seller']>();
  for (const s of sales) {
    partners.set(s.seller.gln, s.seller);
    if (s.buyer) partners.set(s.buyer.gln, s.buyer);
  }
  return {
    leftAuthorizedChain: exitIndex >= 0,
    lastSale,
    sellingDistributor: lastSale?.seller ?? null,
    buyerAuthorized: lastSale ? buyerOk(lastSale) : null,
    earlierSales: sales.slice(0, Math.max(0, lastIndex)),
    priceViolations: violations,
    message,
    eventIDs: sales.map((s) => s.eventID),
    partners: [...partners.values()],
  };
}
