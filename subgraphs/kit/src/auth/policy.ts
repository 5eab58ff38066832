import type { Identity } from './identity.ts';

/**
 * The authorization table, in one place. Every protected field and operation asks one of these, in
 * the subgraph that owns the data (including in __resolveReference paths), so a subgraph holds the
 * line even when called directly.
 *
 * | What                                              | Who                                                        |
 * |---------------------------------------------------|------------------------------------------------------------|
 * | Verification                                      | any authenticated partner                                  |
 * | Custody chain of a unit (who, where, when)        | partners that held the unit, its manufacturer, investigators, regulators |
 * | Prices, invoices and sales terms                  | the seller, the buyer, the product's manufacturer, investigators |
 * | Dispense details and the patient reference        | the dispensing partner, regulators                         |
 * | Capturing events                                  | a partner, for events at its own GLNs, into its role's node |
 * | Recalls                                           | the product's manufacturer, regulators                     |
 */

/** True when the caller is the manufacturer of the GTIN: its GS1 company prefix starts the GTIN-13 part. */
export function isManufacturerOf(identity: Identity, gtin14: string): boolean {
  return identity.role === 'manufacturer' && !!identity.companyPrefix && gtin14.slice(1).startsWith(identity.companyPrefix);
}

export function canSeeCustody(identity: Identity, unit: { gtin: string; partiesInvolved: Iterable<string> }): boolean {
  if (identity.role === 'investigator' || identity.role === 'regulator') return true;
  if (isManufacturerOf(identity, unit.gtin)) return true;
  for (const gln of unit.partiesInvolved) if (gln === identity.partner) return true;
  return false;
}

export function canSeePrices(identity: Identity, sale: { gtin: string; seller: string | null; buyer: string | null }): boolean {
  if (identity.role === 'investigator') return true;
  if (isManufacturerOf(identity, sale.gtin)) return true;
  return identity.partner === sale.seller || identity.partner === sale.buyer;
}

export function canSeeDispense(identity: Identity, dispense: { dispenser: string }): boolean {
  return identity.role === 'regulator' || identity.partner === dispense.dispenser;
}

export function canRecall(identity: Identity, gtin: string): boolean {
  return identity.role === 'regulator' || isManufacturerOf(identity, gtin);
}

/** Capture: the partner's role must be this node's role, and every read point and business location its own. */
export function canCapture(
  identity: Identity,
  node: 'manufacturer' | 'distributor' | 'dispenser',
  locationOwners: Iterable<string | null>,
): { allowed: true } | { allowed: false; reason: string } {
  if (identity.role !== node) {
    return { allowed: false, reason: `a ${identity.role} may not capture into the ${node} node` };
  }
  for (const owner of locationOwners) {
    if (owner !== identity.partner) {
      return {
        allowed: false,
        reason: `events must take place at the capturing partner's own locations (GLN ${identity.partner}); found ${owner ?? 'an unknown location'}`,
      };
    }
  }
  return { allowed: true };
}
