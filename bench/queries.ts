/** The operations every target (our gateway, Hive Gateway, the floor) answers in the benchmark. */
import { formatAiDate, formatElementString } from '@tracefed/kit/gs1/index';

/**
 * The README's trace as the benchmark's investigator (bench/auth.ts) may read it: one pack with
 * product, lot and components, the merged custody across the three nodes, and its sales with prices.
 * The dispense details are left out: only the dispensing partner and regulators may see them (issue 5),
 * and the custody chain already ends at the dispenser. The per-node custody fields are internal join
 * inputs of `custody` (@inaccessible), so clients cannot select them.
 */
export const TRACE = /* GraphQL */ `query Trace($code: String!) {
  trace(code: $code) {
    gtin serial
    product { name strength }
    lot {
      lotNumber expiry manufactureDate
      components { material lotNumber manufactureDate supplier { name } site { name country } }
    }
    custody {
      status
      currentCustodian { name }
      hops { holder { name } from to receivedFrom { name } shippedTo { name } }
      containers { sscc depth node }
      breaks { code message }
    }
    sales { seller { name } buyer { name } unitPrice currency }
  }
}`;

/** A pack's code as a scanner reads it: the full GS1 element string. */
export function elementString(unit: { gtin: string; serial: string; lot: string; expiry: string }): string {
  return formatElementString([
    { ai: '01', value: unit.gtin },
    { ai: '21', value: unit.serial },
    { ai: '10', value: unit.lot },
    { ai: '17', value: formatAiDate(unit.expiry) },
  ]);
}

/** The JSON body POSTed for one trace. */
export function traceBody(code: string, query = TRACE): string {
  return JSON.stringify({ query, variables: { code } });
}

/** Recall through the graph: where every unit of a lot is now (Lot.whereabouts), the whole answer. */
export const WHEREABOUTS = /* GraphQL */ `query($gtin: String!, $lot: String!) { lot(gtin: $gtin, lotNumber: $lot) { whereabouts {
  unitCount unaccounted
  held { count custodian { gln } location { gln extension } since eventIDs }
  inTransit { count from { gln } to { gln } since eventIDs }
  dispensed { count dispenser { gln } since eventIDs }
  destroyedOrReturned { count by { gln } reason since eventIDs }
} } }`;
