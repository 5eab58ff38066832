/** The operations every target (our gateway, Hive Gateway, the floor) answers in the benchmark. */
import { formatAiDate, formatElementString } from '@tracefed/kit/gs1/index';

/** The README's trace: one pack with product, lot and components, merged custody, sales and dispense. */
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
    dispense { dispenser { name } dispensedAt patientRef }
  }
}`;

/**
 * The same trace without the merged `custody` field: each node's own custody instead. It needs no
 * @requires, so the gateway makes two fetch rounds instead of three; used to measure what the merge
 * hop costs.
 */
export const TRACE_PER_NODE = /* GraphQL */ `query TracePerNode($code: String!) {
  trace(code: $code) {
    gtin serial
    product { name strength }
    lot {
      lotNumber expiry manufactureDate
      components { material lotNumber manufactureDate supplier { name } site { name country } }
    }
    manufacturerCustody { ...NodeCustodyFields }
    distributorCustody { ...NodeCustodyFields }
    dispenserCustody { ...NodeCustodyFields }
    sales { seller { name } buyer { name } unitPrice currency }
    dispense { dispenser { name } dispensedAt patientRef }
  }
}
fragment NodeCustodyFields on NodeCustody {
  node
  events { eventID eventType eventTime bizStep disposition recordedBy { gln name }
           sources { type party { gln name } } destinations { type party { gln name } } }
  containers { sscc depth from node }
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
