import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  doublePrecision,
  index,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { BizTransaction, SourceOrDestination } from './types.ts';

/**
 * The EPCIS 2.0 event store every partner node keeps as its system of record. Columns hold the
 * normalised fields the queries need; `document` keeps the event exactly as captured.
 * Identifiers are stored as canonical keys (GS1 Digital Link paths) so that an event captured with an
 * EPC URN and a query made with a Digital Link meet on the same index entry.
 */
export const epcisEvent = pgTable(
  'epcis_event',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventId: text('event_id').notNull(),
    /** GLN of the partner (tenant) that captured the event. */
    owner: text('owner_gln').notNull(),
    eventType: text('event_type').notNull(),
    eventTime: timestamp('event_time', { withTimezone: true, mode: 'date' }).notNull(),
    eventTimeZoneOffset: text('event_time_zone_offset').notNull(),
    recordTime: timestamp('record_time', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    action: text('action'),
    bizStep: text('biz_step'),
    disposition: text('disposition'),
    readPoint: text('read_point'),
    bizLocation: text('biz_location'),
    parentKey: text('parent_key'),
    bizTransactions: jsonb('biz_transactions').$type<BizTransaction[]>().notNull().default(sql`'[]'::jsonb`),
    sources: jsonb('sources').$type<SourceOrDestination[]>().notNull().default(sql`'[]'::jsonb`),
    destinations: jsonb('destinations').$type<SourceOrDestination[]>().notNull().default(sql`'[]'::jsonb`),
    ilmd: jsonb('ilmd').$type<Record<string, unknown>>(),
    /** Extension fields with their namespace expanded to a full IRI. */
    extensions: jsonb('extensions').$type<Record<string, unknown>>(),
    errorDeclaration: jsonb('error_declaration').$type<Record<string, unknown>>(),
    document: jsonb('document').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [
    uniqueIndex('epcis_event_event_id_uq').on(t.eventId),
    index('epcis_event_owner_time_idx').on(t.owner, t.eventTime),
    index('epcis_event_time_idx').on(t.eventTime),
    index('epcis_event_biz_step_idx').on(t.bizStep, t.eventTime),
  ],
);

/**
 * One row per identifier an event names, whatever list it came from. `role` says which list:
 * epc, parent, child, input, output (instance level) or the same with a `Quantity` suffix (class level).
 *
 * Capture writes tens of thousands of these rows a document, and every index and check on them is paid
 * per row (bench/results/capture-pipeline-2026-11-28.md), so the table keeps only what its readers use:
 * - no primary key, and no foreign key to the event: rows are written only by capture, in the statement
 *   that stores their event (its new primary key), one per (role, identifier) of the event, which
 *   normalisation guarantees; events are never deleted. An index on `event_pk` alone serves every
 *   "identifiers of these events" lookup, which go by event, or by event and role;
 * - `(epc_key, event_pk)`: every "events naming this identifier" lookup;
 * - `(gtin, lot)` only for rows that have a lot (commissioned serials, and lot classes): every lookup
 *   through it names a lot, or asks for `lot IS NOT NULL`. Most rows (shipments, receipts, packing)
 *   have none. An EPCIS query matching a whole GTIN class goes through the event instead (query.ts).
 */
export const eventEpc = pgTable(
  'event_epc',
  {
    eventPk: bigint('event_pk', { mode: 'number' }).notNull(),
    role: text('role').notNull(),
    epcKey: text('epc_key').notNull(),
    gtin: text('gtin'),
    serial: text('serial'),
    lot: text('lot'),
    quantity: doublePrecision('quantity'),
    uom: text('uom'),
  },
  (t) => [
    index('event_epc_event_idx').on(t.eventPk),
    index('event_epc_key_idx').on(t.epcKey, t.eventPk),
    index('event_epc_gtin_lot_idx').on(t.gtin, t.lot).where(sql`${t.lot} IS NOT NULL`),
  ],
);

/**
 * Which container held which child, and when: derived from AggregationEvents (ADD/OBSERVE open a stay,
 * DELETE or a move to another parent closes it) and rebuilt per child whenever one of its aggregation
 * events arrives, so events captured out of order still give the right intervals.
 */
export const containment = pgTable(
  'containment',
  {
    childKey: text('child_key').notNull(),
    seq: smallint('seq').notNull(),
    parentKey: text('parent_key').notNull(),
    validFrom: timestamp('valid_from', { withTimezone: true, mode: 'date' }).notNull(),
    validTo: timestamp('valid_to', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    primaryKey({ columns: [t.childKey, t.seq] }),
    index('containment_parent_idx').on(t.parentKey, t.validFrom),
  ],
);

/**
 * EPCIS master data (vocabulary elements from an EPCIS header): products, lots, locations and parties.
 * Attribute ids are stored expanded (full URIs).
 */
export const vocabularyElement = pgTable(
  'vocabulary_element',
  {
    vocabularyType: text('vocabulary_type').notNull(),
    key: text('key').notNull(),
    /** GLN of the partner that last wrote the element. */
    owner: text('owner_gln').notNull(),
    attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull(),
    children: jsonb('children').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.vocabularyType, t.key] })],
);

/**
 * Business anomalies found at capture: an event that is well formed but contradicts what the node
 * already knows (a serial commissioned twice, a pack dispensed twice, a shipment of a serial the node
 * never saw, a receipt from a partner on this node that never shipped it). The event is stored anyway,
 * because it is evidence; this row flags it, with the events that show the contradiction.
 */
export const eventAnomaly = pgTable(
  'event_anomaly',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventPk: bigint('event_pk', { mode: 'number' })
      .notNull()
      .references(() => epcisEvent.id, { onDelete: 'cascade' }),
    code: text('code').notNull(),
    message: text('message').notNull(),
    /** The flagged event first, then the events that contradict it. */
    eventIds: jsonb('event_ids').$type<string[]>().notNull(),
    captureId: text('capture_id'),
    detectedAt: timestamp('detected_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('event_anomaly_event_code_uq').on(t.eventPk, t.code)],
);

/**
 * One row per accepted capture request (EPCIS 2.0 REST binding, `/capture/{captureID}`). Capture is
 * synchronous, so a job is written in the same transaction as the events it stored: it exists exactly
 * when they do.
 */
export const captureJob = pgTable(
  'capture_job',
  {
    captureId: text('capture_id').primaryKey(),
    /** GLN of the partner that sent the document. */
    partner: text('partner_gln').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }).notNull(),
    eventCount: bigint('event_count', { mode: 'number' }).notNull(),
    capturedCount: bigint('captured_count', { mode: 'number' }).notNull(),
    alreadyKnownCount: bigint('already_known_count', { mode: 'number' }).notNull(),
    retractedCount: bigint('retracted_count', { mode: 'number' }).notNull(),
    /** Event ID lists and the anomalies found, as the job resource reports them. */
    result: jsonb('result').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [index('capture_job_partner_idx').on(t.partner, t.createdAt)],
);

/**
 * Where each unit is now, as this node recorded it: per unit (SGTIN key) the latest event that names it
 * or a container holding it at the time, ordered by (event time, step rank, capture order). Capture
 * keeps it current (positions-store.ts); a recall reads it instead of walking the whole history.
 * It is derived data: the whole-history query in whereabouts.ts defines it and can rebuild it.
 */
export const unitPosition = pgTable('unit_position', {
  unitKey: text('unit_key').primaryKey(),
  /** The deciding event (no foreign key: events are never deleted, and capture should not pay for one). */
  eventPk: bigint('event_pk', { mode: 'number' }).notNull(),
  eventTime: timestamp('event_time', { withTimezone: true, mode: 'date' }).notNull(),
  /** 0 receipt, 1 other, 2 departure: at one instant goods arrive first and leave last. */
  stepRank: smallint('step_rank').notNull(),
});

/**
 * One row once the position table holds every unit's history. Absent on a node upgraded from a
 * version without the table, or one bulk-loaded around capture: the node fills the table on first use.
 */
export const unitPositionState = pgTable('unit_position_state', {
  id: smallint('id').primaryKey(),
  filledAt: timestamp('filled_at', { withTimezone: true, mode: 'date' }).notNull(),
});
