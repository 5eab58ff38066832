/** Shapes shared by the event store, the ingest function and the custody views. */

export const EVENT_TYPES = [
  'ObjectEvent',
  'AggregationEvent',
  'TransformationEvent',
  'TransactionEvent',
  'AssociationEvent',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface BizTransaction {
  /** CBV business transaction type as a bare word (`inv`, `po`, `desadv`), or the full URI when not CBV. */
  type?: string;
  id: string;
}

export interface SourceOrDestination {
  /** CBV source/destination type as a bare word (`owning_party`, `possessing_party`, `location`). */
  type: string;
  /** The identifier as captured. */
  id: string;
  /** Its canonical key (GS1 Digital Link path) when it is a GS1 key. */
  key: string;
}

/** A JSON object as it arrives in an EPCIS document. */
export type JsonObject = Record<string, unknown>;
