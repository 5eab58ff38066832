import type { Identity } from './identity.ts';

/**
 * The rules of the authorization table, as pure functions of the caller and the facts of what it asks
 * about. access.ts names which field each rule guards; the subgraph that owns the data calls it
 * (including in __resolveReference paths), so a subgraph holds the line even when called directly.
 *
 * | What                                              | Who                                                        |
 * |---------------------------------------------------|------------------------------------------------------------|
 * | Verification                                      | any authenticated partner                                  |
 * | Custody chain of a unit (who, where, when)        | partners that held the unit, its manufacturer, investigators, regulators |
 * | Prices, invoices and sales terms                  | the seller, the buyer, the product's manufacturer, investigators |
 * | Dispense details and the patient reference        | the dispensing partner, regulators                         |
 * | Capturing events                                  | a partner, for events at its own GLNs, into its role's node (capture.ts) |
 * | Recalls                                           | the product's manufacturer, regulators                     |
 */

const isAuthority = (identity: Identity) => identity.role === 'investigator' || identity.role === 'regulator';

/** True when the caller is the manufacturer of the GTIN: its GS1 company prefix starts the GTIN-13 part. */
export function isManufacturerOf(identity: Identity, gtin14: string): boolean {
  return identity.role === 'manufacturer' && !!identity.companyPrefix && gtin14.slice(1).startsWith(identity.companyPrefix);
}

/** The facts a custody decision reads: the unit's GTIN and every partner GLN its custody events name. */
export interface CustodyFacts {
  gtin: string;
  partiesInvolved: Iterable<string>;
}

/** Custody chain of a unit: the partners that held it (named in its events), its manufacturer, investigators, regulators. */
export function canSeeCustody(identity: Identity, unit: CustodyFacts): boolean {
  if (isAuthority(identity)) return true;
  if (isManufacturerOf(identity, unit.gtin)) return true;
  for (const gln of unit.partiesInvolved) if (gln === identity.partner) return true;
  return false;
}

/** The facts of one sale: the product (null when the sale is not read for one product) and its two parties. */
export interface SaleFacts {
  gtin: string | null;
  seller: string | null;
  buyer: string | null;
}

/** Prices, invoices and sales terms of a sale: its seller, its buyer, the product's manufacturer, investigators. */
export function canSeePrices(identity: Identity, sale: SaleFacts): boolean {
  if (identity.role === 'investigator') return true;
  if (sale.gtin !== null && isManufacturerOf(identity, sale.gtin)) return true;
  return identity.partner === sale.seller || identity.partner === sale.buyer;
}

/**
 * Every seller's prices for a product at once (price lists, price violation reports, the sales behind a
 * diversion): the product's manufacturer and investigators. A seller or buyer sees its own sales' terms
 * through canSeePrices, not its competitors'.
 */
export function canSeeAllPrices(identity: Identity, product: { gtin: string }): boolean {
  return identity.role === 'investigator' || isManufacturerOf(identity, product.gtin);
}

/** Dispense details and the pseudonymous patient reference: the dispensing partner and regulators. */
export function canSeeDispense(identity: Identity, dispense: { dispenser: string }): boolean {
  return identity.role === 'regulator' || identity.partner === dispense.dispenser;
}

/**
 * The patient contacts of a lot: a dispenser asks for its own (the list is cut to the groups
 * canSeeDispense allows), regulators for every dispenser's. Nobody else, investigators included.
 */
export function canSeePatientContacts(identity: Identity): boolean {
  return identity.role === 'regulator' || identity.role === 'dispenser';
}

/** Recalling a lot: the product's manufacturer and regulators. */
export function canRecall(identity: Identity, product: { gtin: string }): boolean {
  return identity.role === 'regulator' || isManufacturerOf(identity, product.gtin);
}

/** Where every unit of a lot is now: the product's manufacturer, investigators, regulators. */
export function canSeeLotWhereabouts(identity: Identity, lot: { gtin: string }): boolean {
  return isAuthority(identity) || isManufacturerOf(identity, lot.gtin);
}

/** What a partner holds now: the partner itself, investigators, regulators. */
export function canSeeHoldings(identity: Identity, holdings: { holder: string }): boolean {
  return isAuthority(identity) || identity.partner === holdings.holder;
}

/**
 * A partner's sales register: the seller itself and investigators. Every seller's at once (no seller
 * named): investigators only.
 */
export function canSeeSalesOf(identity: Identity, register: { seller: string | null }): boolean {
  if (identity.role === 'investigator') return true;
  return register.seller !== null && identity.partner === register.seller;
}

// Capture is ruled by auth/capture.ts (authorizeCapture): own role's node, own locations.

/** The shape of a custody event that names partners (CustodyEventValue, or its JSON through @requires). */
export interface EventParties {
  recordedBy: { gln: string };
  sources: ReadonlyArray<{ party: { gln: string } | null }>;
  destinations: ReadonlyArray<{ party: { gln: string } | null }>;
}

/**
 * Every partner GLN a unit's custody events name: who recorded each, the parties it came from and went
 * to, and the holders of the hops built from them. The custody rule reads this set.
 */
export function partiesInvolved(events: Iterable<EventParties>, hops: Iterable<{ holder: { gln: string } }> = []): Set<string> {
  const glns = new Set<string>();
  for (const e of events) {
    glns.add(e.recordedBy.gln);
    for (const s of [...e.sources, ...e.destinations]) if (s.party) glns.add(s.party.gln);
  }
  for (const hop of hops) glns.add(hop.holder.gln);
  return glns;
}
