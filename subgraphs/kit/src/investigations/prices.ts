/**
 * Price lists and authorized trading partners (manufacturer master data), and the check of one sale
 * against them. Pure: the callers read the vocabulary elements and the sales; this module decides.
 */
import { ATTR } from '../epcis/vocabulary.ts';
import { parseIdentifier } from '../gs1/index.ts';

export type PriceType = 'list' | 'contract' | 'maximum';
const PRICE_TYPES: readonly string[] = ['list', 'contract', 'maximum'];

/** One price of a manufacturer's price list. */
export interface PriceListEntry {
  id: string;
  /** GLN of the manufacturer that published it. */
  publisher: string;
  gtin: string;
  /** ISO 3166-1 alpha-2 country of the buyer it applies to; null for every region. */
  region: string | null;
  /** `wholesale` (sales to distributors) or `pharmacy` (sales to dispensers); null for every channel. */
  channel: string | null;
  priceType: PriceType;
  amount: number;
  currency: string;
  /** First and last day of validity (YYYY-MM-DD, inclusive); null for open-ended. */
  validFrom: string | null;
  validTo: string | null;
  /** For a contract price: the two parties it binds. */
  seller: string | null;
  buyer: string | null;
}

export type Authorization = 'distributor' | 'licensed_buyer';

/** A manufacturer's authorization of a trading partner for its products. */
export interface TradingPartnerEntry {
  id: string;
  publisher: string;
  partner: string;
  /** `distributor`: may buy and sell the products; `licensed_buyer`: may buy them (a dispenser). */
  authorization: Authorization;
  licence: string | null;
  region: string | null;
  validFrom: string | null;
  validTo: string | null;
  /** The GTINs covered; null for every product of the publisher. */
  gtins: string[] | null;
}

/** A vocabulary element as the event store returns it. */
export interface MasterDataRow {
  key: string;
  owner: string;
  attributes: Record<string, unknown>;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const date = (v: unknown): string | null => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : null);

/** The GLN a party reference names: a bare GLN, a canonical key, a PGLN/SGLN URN or a Digital Link. */
export function partyGln(value: unknown): string | null {
  const t = text(value);
  if (!t) return null;
  if (/^\d{13}$/.test(t)) return t;
  const key = /^\/(?:417|414)\/(\d{13})/.exec(t);
  if (key) return key[1] as string;
  try {
    const id = parseIdentifier(t);
    return id.kind === 'pgln' || id.kind === 'sgln' ? id.gln : null;
  } catch {
    return null;
  }
}
const party = partyGln;

/** Price list entries from master data; elements missing a product, type, amount or currency are skipped. */
export function readPriceList(rows: readonly MasterDataRow[]): PriceListEntry[] {
  return rows.flatMap((row) => {
    const a = row.attributes;
    const gtin = text(a[ATTR.gtin]);
    const priceType = text(a[ATTR.priceType]);
    const amount = typeof a[ATTR.amount] === 'number' ? (a[ATTR.amount] as number) : Number(a[ATTR.amount]);
    const currency = text(a[ATTR.currency]);
    if (!gtin || !priceType || !PRICE_TYPES.includes(priceType) || !Number.isFinite(amount) || !currency) return [];
    return [
      {
        id: row.key,
        publisher: row.owner,
        gtin,
        region: text(a[ATTR.region]),
        channel: text(a[ATTR.channel]),
        priceType: priceType as PriceType,
        amount,
        currency,
        validFrom: date(a[ATTR.validFrom]),
        validTo: date(a[ATTR.validTo]),
        seller: party(a[ATTR.seller]),
        buyer: party(a[ATTR.buyer]),
      },
    ];
  });
}

/** Trading partner authorizations from master data; elements without a partner or kind are skipped. */
export function readTradingPartners(rows: readonly MasterDataRow[]): TradingPartnerEntry[] {
  return rows.flatMap((row) => {
    const a = row.attributes;
    const partner = party(a[ATTR.partner]);
    const authorization = text(a[ATTR.authorization]);
    if (!partner || (authorization !== 'distributor' && authorization !== 'licensed_buyer')) return [];
    const gtins = Array.isArray(a[ATTR.gtins]) ? (a[ATTR.gtins] as unknown[]).filter((g): g is string => typeof g === 'string') : null;
    return [
      {
        id: row.key,
        publisher: row.owner,
        partner,
        authorization,
        licence: text(a[ATTR.licence]),
        region: text(a[ATTR.region]),
        validFrom: date(a[ATTR.validFrom]),
        validTo: date(a[ATTR.validTo]),
        gtins,
      },
    ];
  });
}

const dayOf = (iso: string) => iso.slice(0, 10);
const within = (day: string, from: string | null, to: string | null) => (!from || from <= day) && (!to || day <= to);

/** The channel a sale belongs to, from the buyer's role. */
export function channelOf(buyerRole: string | null | undefined): string | null {
  if (buyerRole === 'distributor') return 'wholesale';
  if (buyerRole === 'dispenser') return 'pharmacy';
  return null;
}

export interface TradingRules {
  priceList: readonly PriceListEntry[];
  partners: readonly TradingPartnerEntry[];
}

/**
 * Whether `gln` may trade `gtin` on `day` in the given capacity: a seller must be the product's
 * manufacturer or an authorized distributor; a buyer may also be a licensed buyer. Returns null when
 * the manufacturer published no authorizations at all (nothing to judge against).
 */
export function isAuthorized(rules: TradingRules, gln: string, gtin: string, day: string, as: 'seller' | 'buyer'): boolean | null {
  if (rules.partners.length === 0) return null;
  if (rules.partners.some((p) => p.publisher === gln)) return true;
  return rules.partners.some(
    (p) =>
      p.partner === gln &&
      (as === 'buyer' || p.authorization === 'distributor') &&
      within(day, p.validFrom, p.validTo) &&
      (p.gtins === null || p.gtins.includes(gtin)),
  );
}

export interface SaleParty {
  gln: string;
  name?: string | null;
  role?: string | null;
  country?: string | null;
}

export interface SaleFacts {
  eventID: string;
  soldAt: string;
  seller: SaleParty;
  buyer: SaleParty | null;
  unitPrice: number | null;
  currency: string | null;
}

export type PriceViolationCode =
  | 'ABOVE_MAXIMUM'
  | 'DEVIATES_FROM_LIST'
  | 'DEVIATES_FROM_CONTRACT'
  | 'UNAUTHORIZED_SELLER'
  | 'UNAUTHORIZED_BUYER';

/** One way a sale breaks the manufacturer's price list or trading partner rules, with its evidence. */
export interface PriceFinding {
  code: PriceViolationCode;
  message: string;
  /** The price list entry the sale was measured against. */
  reference: PriceListEntry | null;
  /** (price − reference) / reference, for price findings. */
  deviation: number | null;
  eventIDs: string[];
  /** GLNs: seller, buyer, and the manufacturer whose rules apply. */
  partners: string[];
}

function label(p: SaleParty): string {
  return p.name ? `${p.name} (GLN ${p.gln})` : `GLN ${p.gln}`;
}

const money = (amount: number, currency: string) => `${amount.toFixed(2)} ${currency}`;
const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;

/** The contract, list and maximum prices that apply to a sale of `gtin` (same currency, region, channel, date). */
export function applicablePrices(rules: TradingRules, gtin: string, sale: SaleFacts) {
  const day = dayOf(sale.soldAt);
  const region = sale.buyer?.country ?? sale.seller.country ?? null;
  const channel = channelOf(sale.buyer?.role);
  const candidates = rules.priceList.filter(
    (e) =>
      e.gtin === gtin &&
      e.currency === sale.currency &&
      within(day, e.validFrom, e.validTo) &&
      (e.region === null || e.region === region),
  );
  const contract =
    candidates.find((e) => e.priceType === 'contract' && e.seller === sale.seller.gln && e.buyer === sale.buyer?.gln) ?? null;
  const list = candidates.find((e) => e.priceType === 'list' && (e.channel === null || e.channel === channel)) ?? null;
  const maximum =
    candidates
      .filter((e) => e.priceType === 'maximum' && (e.channel === null || e.channel === channel))
      .sort((a, b) => a.amount - b.amount)[0] ?? null;
  return { contract, list, maximum };
}

/**
 * Checks one sale of `gtin`: the seller and buyer against the authorized trading partners, the price
 * against the contract price (or else the list price) and the maximum price, each beyond `tolerance`
 * (a fraction: 0.05 is 5 %). A sale without a price is checked for its parties only.
 */
export function checkSale(rules: TradingRules, gtin: string, sale: SaleFacts, tolerance: number): PriceFinding[] {
  const findings: PriceFinding[] = [];
  const day = dayOf(sale.soldAt);
  const publisher = rules.priceList[0]?.publisher ?? rules.partners[0]?.publisher;
  const partners = [sale.seller.gln, ...(sale.buyer ? [sale.buyer.gln] : []), ...(publisher ? [publisher] : [])];
  const evidence = { eventIDs: [sale.eventID], partners: [...new Set(partners)] };

  if (isAuthorized(rules, sale.seller.gln, gtin, day, 'seller') === false) {
    findings.push({
      code: 'UNAUTHORIZED_SELLER',
      message: `${label(sale.seller)} sold the product on ${day} but is not an authorized distributor of it`,
      reference: null,
      deviation: null,
      ...evidence,
    });
  }
  if (sale.buyer && isAuthorized(rules, sale.buyer.gln, gtin, day, 'buyer') === false) {
    findings.push({
      code: 'UNAUTHORIZED_BUYER',
      message: `${label(sale.seller)} sold the product on ${day} to ${label(sale.buyer)}, which is neither an authorized distributor nor a licensed buyer of it`,
      reference: null,
      deviation: null,
      ...evidence,
    });
  }
  if (sale.unitPrice === null || !sale.currency) return findings;

  const price = sale.unitPrice;
  const { contract, list, maximum } = applicablePrices(rules, gtin, sale);
  const reference = contract ?? list;
  if (reference) {
    const deviation = (price - reference.amount) / reference.amount;
    if (Math.abs(deviation) > tolerance + 1e-9) {
      findings.push({
        code: reference.priceType === 'contract' ? 'DEVIATES_FROM_CONTRACT' : 'DEVIATES_FROM_LIST',
        message:
          `${label(sale.seller)} sold at ${money(price, sale.currency)}, ${percent(Math.abs(deviation))} ` +
          `${deviation > 0 ? 'above' : 'below'} the ${reference.priceType} price of ${money(reference.amount, reference.currency)} ` +
          `(tolerance ${percent(tolerance)})`,
        reference,
        deviation: round(deviation),
        ...evidence,
      });
    }
  }
  if (maximum) {
    const over = (price - maximum.amount) / maximum.amount;
    if (over > tolerance + 1e-9) {
      findings.push({
        code: 'ABOVE_MAXIMUM',
        message:
          `${label(sale.seller)} sold at ${money(price, sale.currency)}, ${percent(over)} above the maximum price of ` +
          `${money(maximum.amount, maximum.currency)}${maximum.region ? ` in ${maximum.region}` : ''} (tolerance ${percent(tolerance)})`,
        reference: maximum,
        deviation: round(over),
        ...evidence,
      });
    }
  }
  return findings;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
