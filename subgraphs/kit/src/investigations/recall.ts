/**
 * A recall as EPCIS data: the manufacturer observes the lot class (`quantityList`) with disposition
 * `recalled` under the CBV step `holding`, and says why in two tracefed extension fields. Capturing
 * it through the ordinary ingest keeps the event store the one system of record; reading it back is
 * a query for events naming the lot class.
 */
import { canonicalKey, toDigitalLink } from '../gs1/index.ts';
import { ATTR, NS } from '../epcis/vocabulary.ts';

/** Recall classes in the sense of FDA 21 CFR 7.3(m) and the EU rapid alert classes 1 to 3. */
export const RECALL_CLASSES = ['I', 'II', 'III'] as const;
export type RecallClass = (typeof RECALL_CLASSES)[number];

export interface RecallRequest {
  eventId: string;
  gtin: string;
  lot: string;
  reason: string;
  recallClass: RecallClass;
  at: Date;
  /** Units in the lot, when known: the event's quantity. */
  quantity?: number;
  /** GLN of the regulator that ordered the recall, when it is not the manufacturer's own. */
  orderedBy?: string;
}

/** The EPCIS 2.0 document that records a recall, ready for `ingestDocument`. */
export function recallDocument(request: RecallRequest): Record<string, unknown> {
  return {
    '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld', { tf: NS.tf }],
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: request.at.toISOString(),
    epcisBody: { eventList: [recallEvent(request)] },
  };
}

/** The recall ObjectEvent alone (the demo network embeds it in its own documents). */
export function recallEvent(request: RecallRequest): Record<string, unknown> {
  return {
    type: 'ObjectEvent',
    eventID: request.eventId,
    eventTime: request.at.toISOString(),
    eventTimeZoneOffset: '+00:00',
    action: 'OBSERVE',
    bizStep: 'holding',
    disposition: 'recalled',
    quantityList: [
      {
        epcClass: toDigitalLink({ kind: 'lgtin', gtin: request.gtin, lot: request.lot }),
        ...(request.quantity !== undefined ? { quantity: request.quantity } : {}),
      },
    ],
    'tf:recallClass': request.recallClass,
    'tf:recallReason': request.reason,
    ...(request.orderedBy ? { 'tf:recallOrderedBy': request.orderedBy } : {}),
  };
}

/** The canonical key of a lot class, the key recall events are found by. */
export function lotClassKey(gtin: string, lot: string): string {
  return canonicalKey({ kind: 'lgtin', gtin, lot });
}

export interface RecallRecord {
  eventID: string;
  gtin: string;
  lot: string;
  recalledAt: string;
  /** GLN of the partner that recalled the lot: the regulator that ordered it, or the manufacturer. */
  recalledBy: string;
  recallClass: RecallClass | null;
  reason: string | null;
}

interface RecallSource {
  eventId: string;
  eventTime: Date;
  owner: string;
  bizStep: string | null;
  disposition: string | null;
  extensions: Record<string, unknown> | null;
}

/** True when a stored event records a recall (disposition `recalled` on the lot class). */
export function isRecallEvent(e: Pick<RecallSource, 'disposition'>): boolean {
  return e.disposition === 'recalled';
}

/** Reads a stored recall event back into a recall record. */
export function readRecall(e: RecallSource, lot: { gtin: string; lot: string }): RecallRecord {
  const recallClass = e.extensions?.[ATTR.recallClass];
  const reason = e.extensions?.[ATTR.recallReason];
  const orderedBy = e.extensions?.[ATTR.recallOrderedBy];
  return {
    eventID: e.eventId,
    gtin: lot.gtin,
    lot: lot.lot,
    recalledAt: e.eventTime.toISOString(),
    recalledBy: typeof orderedBy === 'string' && /^\d{13}$/.test(orderedBy) ? orderedBy : e.owner,
    recallClass: (RECALL_CLASSES as readonly unknown[]).includes(recallClass) ? (recallClass as RecallClass) : null,
    reason: typeof reason === 'string' ? reason : null,
  };
}
