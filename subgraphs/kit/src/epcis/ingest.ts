import { sql } from 'drizzle-orm';
import { queryRows, type Db, type Executor } from '../db/connection.ts';
import { containment, epcisEvent, eventEpc, vocabularyElement } from './tables.ts';
import { EpcisDocumentError, normaliseDocument, type NormalisedDocument, type NormalisedEvent } from './normalise.ts';
import { detectAnomalies, type Anomaly } from './anomalies.ts';

export interface IngestOptions {
  /** GLN of the partner (tenant) capturing the document; every stored row records it. */
  owner: string;
  document: unknown;
  /** The capture job this ingest belongs to, recorded with any anomaly found. */
  captureId?: string;
}

export interface IngestResult {
  /** Events newly stored. */
  captured: string[];
  /** Events whose eventID was already stored: kept once, reported here. */
  alreadyKnown: string[];
  /** Stored events that this document's error declarations retracted. */
  retracted: string[];
  /** Business anomalies found in the newly stored events (stored and flagged, never dropped). */
  anomalies: Anomaly[];
  masterDataElements: number;
}

/** PostgreSQL accepts at most 65,535 bind parameters per statement; batches stay well below. */
const EVENT_BATCH = 500;
const EPC_BATCH = 5000;

/**
 * Validates and stores one EPCIS 2.0 document atomically: every event and master data element, or
 * nothing. Re-capturing an eventID stores it once; an event carrying an errorDeclaration retracts the
 * stored event with its eventID. Containment (what is inside which case or pallet, and when) is derived
 * here from AggregationEvents and rebuilt for every child those events touch. Throws
 * EpcisDocumentError (listing every problem) when the document is invalid.
 */
export async function ingestDocument(db: Db, options: IngestOptions): Promise<IngestResult> {
  const normalised = normaliseDocument(options.document);
  return db.transaction((tx) => storeDocument(tx, options.owner, normalised, options.captureId ?? null));
}

/** Stores an already normalised document inside the caller's transaction (see ingestDocument). */
export async function storeDocument(
  tx: Executor,
  owner: string,
  { events, masterData, eventListPath }: NormalisedDocument,
  captureId: string | null,
): Promise<IngestResult> {
  if (masterData.length > 0) {
    await tx
      .insert(vocabularyElement)
      .values(masterData.map((m) => ({ ...m, owner })))
      .onConflictDoUpdate({
        target: [vocabularyElement.vocabularyType, vocabularyElement.key],
        set: {
          attributes: sql`${vocabularyElement.attributes} || excluded.attributes`,
          children: sql`excluded.children`,
          owner: sql`excluded.owner_gln`,
          updatedAt: sql`now()`,
        },
      });
  }
  const captured: string[] = [];
  const stored: Array<{ pk: number; event: NormalisedEvent }> = [];
  const byId = new Map<string, NormalisedEvent>();
  for (const event of events) if (!byId.has(event.eventId)) byId.set(event.eventId, event);
  const unique = [...byId.values()];
  for (let i = 0; i < unique.length; i += EVENT_BATCH) {
    const batch = unique.slice(i, i + EVENT_BATCH);
    const rows = await tx
      .insert(epcisEvent)
      .values(batch.map((e) => eventRow(e, owner)))
      .onConflictDoNothing({ target: epcisEvent.eventId })
      .returning({ pk: epcisEvent.id, eventId: epcisEvent.eventId });
    for (const row of rows) {
      const event = byId.get(row.eventId);
      if (!event) continue;
      stored.push({ pk: row.pk, event });
      captured.push(row.eventId);
    }
  }
  // Keep capture order (the primary key) so that "which came first" reads the same everywhere.
  stored.sort((a, b) => a.pk - b.pk);
  const capturedSet = new Set(captured);

  const retracted = await retract(tx, owner, events, eventListPath);
  const retractedSet = new Set(retracted);
  // An event stored and retracted by the same document counts as captured (and retracted).
  const alreadyKnown = [...new Set(events.map((e) => e.eventId))].filter((id) => !capturedSet.has(id) && !retractedSet.has(id));

  const epcRows = stored.flatMap(({ pk, event }) =>
    event.epcs.map((ref) => ({
      eventPk: pk,
      role: ref.role,
      epcKey: ref.epcKey,
      gtin: ref.gtin ?? null,
      serial: ref.serial ?? null,
      lot: ref.lot ?? null,
      quantity: ref.quantity ?? null,
      uom: ref.uom ?? null,
    })),
  );
  for (let i = 0; i < epcRows.length; i += EPC_BATCH) {
    await tx.insert(eventEpc).values(epcRows.slice(i, i + EPC_BATCH)).onConflictDoNothing();
  }

  const aggregations = stored
    .filter(({ event }) => event.eventType === 'AggregationEvent')
    .sort((a, b) => a.event.eventTime.getTime() - b.event.eventTime.getTime());
  if (aggregations.length > 0) await deriveContainment(tx, aggregations);
  const anomalies = await detectAnomalies(tx, stored, owner, captureId);
  return { captured, alreadyKnown, retracted, anomalies, masterDataElements: masterData.length };
}

/**
 * EPCIS 2.0 error declarations: an event that carries `errorDeclaration` and the eventID of a stored
 * event retracts it. Only the partner that captured an event may retract it; the whole document is
 * refused otherwise. Traces skip retracted events (every view filters `error_declaration IS NULL`) and
 * containment is rebuilt for the children of retracted aggregations.
 */
async function retract(
  tx: Executor,
  owner: string,
  events: NormalisedEvent[],
  eventListPath: string,
): Promise<string[]> {
  const declarations = new Map<string, { index: number; event: NormalisedEvent }>();
  events.forEach((event, index) => {
    if (event.errorDeclaration && !declarations.has(event.eventId)) declarations.set(event.eventId, { index, event });
  });
  if (declarations.size === 0) return [];
  const targets = await queryRows<{ pk: string | number; event_id: string; owner_gln: string; event_type: string }>(
    tx,
    sql`SELECT id AS pk, event_id, owner_gln, event_type FROM epcis_event
        WHERE event_id = ANY(${sql.param([...declarations.keys()])}::text[]) AND error_declaration IS NULL`,
  );
  const foreign = targets.filter((t) => t.owner_gln !== owner);
  if (foreign.length > 0) {
    throw new EpcisDocumentError(
      foreign.map((t) => {
        const { index } = declarations.get(t.event_id) as { index: number };
        return {
          eventIndex: index,
          path: `${eventListPath}[${index}].errorDeclaration`,
          reason: `event ${t.event_id} was captured by partner ${t.owner_gln}; only that partner can declare it erroneous, not ${owner}`,
        };
      }),
      403,
    );
  }
  const retracted: string[] = [];
  const aggregationPks: number[] = [];
  for (const target of targets) {
    // Targets are rows without a declaration: an event first stored with its declaration never is one.
    const { event } = declarations.get(target.event_id) as { event: NormalisedEvent };
    await tx.execute(
      sql`UPDATE epcis_event SET error_declaration = ${JSON.stringify(event.errorDeclaration)}::jsonb,
            document = document || jsonb_build_object('errorDeclaration', ${JSON.stringify(event.errorDeclaration)}::jsonb)
          WHERE id = ${Number(target.pk)}`,
    );
    retracted.push(target.event_id);
    if (target.event_type === 'AggregationEvent') aggregationPks.push(Number(target.pk));
  }
  if (aggregationPks.length > 0) {
    const children = await queryRows<{ epc_key: string }>(
      tx,
      sql`SELECT DISTINCT epc_key FROM event_epc WHERE event_pk = ANY(${sql.param(aggregationPks)}::bigint[])
            AND role IN ('child', 'childQuantity')`,
    );
    if (children.length > 0) await rebuildContainment(tx, children.map((c) => c.epc_key));
  }
  return retracted;
}

function eventRow(e: NormalisedEvent, owner: string): typeof epcisEvent.$inferInsert {
  return {
    eventId: e.eventId,
    owner,
    eventType: e.eventType,
    eventTime: e.eventTime,
    eventTimeZoneOffset: e.eventTimeZoneOffset,
    action: e.action,
    bizStep: e.bizStep,
    disposition: e.disposition,
    readPoint: e.readPoint,
    bizLocation: e.bizLocation,
    parentKey: e.parentKey,
    bizTransactions: e.bizTransactions,
    sources: e.sources,
    destinations: e.destinations,
    ilmd: e.ilmd,
    extensions: e.extensions,
    errorDeclaration: e.errorDeclaration,
    document: e.document,
  };
}

async function deriveContainment(
  tx: Executor,
  aggregations: Array<{ pk: number; event: NormalisedEvent }>,
): Promise<void> {
  const touched = new Set<string>();
  for (const { event } of aggregations) {
    for (const ref of event.epcs) if (ref.role === 'child' || ref.role === 'childQuantity') touched.add(ref.epcKey);
  }
  if (touched.size > 0) await rebuildContainment(tx, [...touched]);

  // "Unpack everything": a DELETE that names a parent but no children empties whatever the parent held
  // at that moment. Record the children it released so the event reads the same as an explicit one.
  const unpackAll = aggregations.filter(
    ({ event }) =>
      event.action === 'DELETE' && event.parentKey && !event.epcs.some((r) => r.role === 'child' || r.role === 'childQuantity'),
  );
  for (const { pk, event } of unpackAll) {
    const children = await queryRows<{ child_key: string }>(
      tx,
      sql`SELECT child_key FROM containment
          WHERE parent_key = ${event.parentKey} AND valid_from <= ${event.eventTime.toISOString()}
            AND (valid_to IS NULL OR valid_to > ${event.eventTime.toISOString()})`,
    );
    if (children.length === 0) continue;
    await tx
      .insert(eventEpc)
      .values(children.map((c) => ({ eventPk: pk, role: 'child', epcKey: c.child_key })))
      .onConflictDoNothing();
    await rebuildContainment(
      tx,
      children.map((c) => c.child_key),
    );
  }
}

interface AggregationRow {
  child_key: string;
  parent_key: string | null;
  action: string;
  event_time: string | Date;
}

/** Recomputes the containment intervals of the given children from their whole aggregation history. */
export async function rebuildContainment(tx: Executor, childKeys: string[]): Promise<void> {
  const rows = await queryRows<AggregationRow>(
    tx,
    sql`SELECT x.epc_key AS child_key, e.parent_key, e.action, e.event_time
        FROM event_epc x JOIN epcis_event e ON e.id = x.event_pk
        WHERE x.role IN ('child', 'childQuantity') AND x.epc_key = ANY(${sql.param(childKeys)}::text[])
          AND e.event_type = 'AggregationEvent' AND e.error_declaration IS NULL
        ORDER BY x.epc_key, e.event_time, e.id`,
  );
  const intervals: Array<typeof containment.$inferInsert> = [];
  let child: string | undefined;
  let open: { parentKey: string; validFrom: Date } | undefined;
  let seq = 0;
  const close = (at: Date | null) => {
    if (open && child) intervals.push({ childKey: child, seq: seq++, parentKey: open.parentKey, validFrom: open.validFrom, validTo: at });
    open = undefined;
  };
  for (const row of rows) {
    if (row.child_key !== child) {
      close(null);
      child = row.child_key;
      seq = 0;
    }
    const at = new Date(row.event_time);
    if (!row.parent_key) continue;
    if (row.action === 'DELETE') {
      if (open?.parentKey === row.parent_key) close(at);
    } else if (open?.parentKey !== row.parent_key) {
      close(at);
      open = { parentKey: row.parent_key, validFrom: at };
    }
  }
  close(null);
  await tx.delete(containment).where(sql`${containment.childKey} = ANY(${sql.param(childKeys)}::text[])`);
  for (let i = 0; i < intervals.length; i += EPC_BATCH) {
    await tx.insert(containment).values(intervals.slice(i, i + EPC_BATCH));
  }
}
