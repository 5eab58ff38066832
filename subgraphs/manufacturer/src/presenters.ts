/** GraphQL shapes of investigation answers: GLNs in the pure results become Party objects here. */
import { locationByKey, partyByGln, type CustodyEventValue, type PartyValue } from '@tracefed/kit/graphql/resolvers';
import type { SaleValue } from '@tracefed/kit/graphql/sales';
import type { PackStatusValue, Signal } from '@tracefed/kit/investigations/signals';
import type { RecallClass, RecallRecord } from '@tracefed/kit/investigations/recall';
import type { PriceFinding, PriceListEntry, TradingPartnerEntry } from '@tracefed/kit/investigations/prices';
import { attachFacts } from '@tracefed/kit/auth/access';
import type { CustodyFacts } from '@tracefed/kit/auth/policy';
import type { Context } from './context.ts';
import { partiesByGln } from './investigation.ts';

/** A signal, tagged with the unit's custody facts: its evidence (eventIDs, partners) is custody data. */
export async function presentSignal(
  ctx: Context,
  signal: Signal,
  events: readonly CustodyEventValue[],
  custody: CustodyFacts,
  others: readonly PartyValue[] = [],
) {
  return attachFacts({ ...signal, partners: await partiesByGln(ctx, signal.partners, events, others) }, 'custody', custody);
}

/**
 * A pack status, tagged (with its undo) with the unit's custody facts: who set the state and by which
 * event is custody data (PackStatus.by, PackStatus.eventID, DispenseUndo.by); the state, its reason and
 * date and the undo window are public.
 */
export async function presentPackStatus(
  ctx: Context,
  pack: PackStatusValue,
  events: readonly CustodyEventValue[],
  custody: CustodyFacts,
) {
  const glns = [pack.by, pack.undo?.by].filter((g): g is string => !!g);
  const parties = await partiesByGln(ctx, glns, events);
  const party = (gln: string | null | undefined) => parties.find((p) => p.gln === gln) ?? null;
  const undo = pack.undo ? attachFacts({ ...pack.undo, by: party(pack.undo.by) }, 'custody', custody) : null;
  return attachFacts({ ...pack, by: party(pack.by), undo }, 'custody', custody);
}

const CLASS: Record<RecallClass, string> = { I: 'CLASS_I', II: 'CLASS_II', III: 'CLASS_III' };

export async function presentRecall(ctx: Context, recall: RecallRecord) {
  return {
    eventID: recall.eventID,
    lot: { gtin: recall.gtin, lotNumber: recall.lot },
    recalledAt: recall.recalledAt,
    recalledBy: await partyByGln(ctx.loaders, recall.recalledBy),
    class: recall.recallClass ? CLASS[recall.recallClass] : null,
    reason: recall.reason,
  };
}

const PRICE_TYPE = { list: 'LIST', contract: 'CONTRACT', maximum: 'MAXIMUM' } as const;
const AUTHORIZATION = { distributor: 'AUTHORIZED_DISTRIBUTOR', licensed_buyer: 'LICENSED_BUYER' } as const;

export async function presentPriceListEntry(ctx: Context, e: PriceListEntry) {
  return {
    ...e,
    priceType: PRICE_TYPE[e.priceType],
    publishedBy: await partyByGln(ctx.loaders, e.publisher),
    seller: e.seller ? await partyByGln(ctx.loaders, e.seller) : null,
    buyer: e.buyer ? await partyByGln(ctx.loaders, e.buyer) : null,
  };
}

export async function presentTradingPartner(ctx: Context, p: TradingPartnerEntry) {
  return {
    ...p,
    authorization: AUTHORIZATION[p.authorization],
    party: await partyByGln(ctx.loaders, p.partner),
    publishedBy: await partyByGln(ctx.loaders, p.publisher),
  };
}

export type { SaleValue };

/** Tags a sale with the facts the prices rule reads: the product, the seller and the buyer. */
export function withSaleFacts<T extends SaleValue>(sale: T, gtin: string): T {
  return attachFacts(sale, 'prices', { gtin, seller: sale.seller.gln, buyer: sale.buyer?.gln ?? null });
}

export async function presentPriceFinding(ctx: Context, finding: PriceFinding, sale: SaleValue) {
  const known = [sale.seller, ...(sale.buyer ? [sale.buyer] : [])];
  return {
    code: finding.code,
    message: finding.message,
    sale,
    reference: finding.reference ? await presentPriceListEntry(ctx, finding.reference) : null,
    deviation: finding.deviation,
    eventIDs: finding.eventIDs,
    partners: await Promise.all(finding.partners.map(async (gln) => known.find((p) => p.gln === gln) ?? partyByGln(ctx.loaders, gln))),
  };
}

/** A location by its canonical key, named from a node's table when this node does not know it. */
export async function locationValue(
  ctx: Context,
  key: string | null,
  info: { name: string | null; country: string | null; kind: string | null } | undefined,
) {
  if (!key) return null;
  const own = await locationByKey(ctx.loaders, key);
  if (!own) return null;
  return info?.name ? { ...own, name: info.name, country: info.country ?? own.country, kind: info.kind ?? own.kind } : own;
}
