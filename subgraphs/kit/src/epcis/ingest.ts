import { sql } from 'drizzle-orm';
import { queryRows, type Db, type Executor } from '../db/connection.ts';
import { EpcisDocumentError, normaliseDocument, type NormalisedDocument, type NormalisedEvent } from './normalise.ts';
import { detectAnomalies, type Anomaly } from './anomalies.ts';
import { maintainUnitPositions } from './positions-store.ts';
import { masterDataChanged } from './masterDataCache.ts';

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

/**
 * Validates and stores one EPCIS 2.0 document atomically: every event and master data element, or
 * nothing. Re-capturing an eventID stores it once; an event carrying an errorDeclaration retracts the
 * stored event with its eventID. Containment (what is inside which case or pallet, and when) is derived
 * here from AggregationEvents and rebuilt for every child those events touch. Throws
 * EpcisDocumentError (listing every problem) when the document is invalid.
 */
export async function ingestDocument(db: Db, options: IngestOptions): Promise<IngestResult> {
  const normalised = normaliseDocument(options.document);
  const result = await queueStore(db, (tx) => storeDocument(tx, options.owner, normalised, options.captureId ?? null));
  if (result.masterDataElements > 0) masterDataChanged(db); // after the commit: see masterDataCache.ts
  return result;
}

/** The transaction handle `db.transaction` gives its callback. */
export type StoreTransaction = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Per database, the store queued last (settled either way): the next one starts after it. */
const storeQueues = new WeakMap<Db, Promise<unknown>>();

/**
 * Runs a capture's store transaction once every store queued before it on this database has finished,
 * in arrival order. A node's captures are a pipeline: each document is validated and normalised when it
 * arrives (CPU in Node) while earlier documents are being stored (work in the database), and the stores
 * run one at a time. One at a time because the anomaly checks read what earlier captures stored: two
 * store transactions at once cannot see each other's rows, so a serial commissioned in both, or a
 * receipt and the shipment that explains it, would go unflagged or stay flagged. The queue keeps a
 * waiting capture from holding a pooled connection; the advisory lock storeDocument takes first
 * serialises the processes that share one database. A store that fails does not stop the ones behind it.
 */
export function queueStore<T>(db: Db, store: (tx: StoreTransaction) => Promise<T>): Promise<T> {
  const previous = storeQueues.get(db) ?? Promise.resolve();
  const run = previous.then(() => db.transaction(store));
  storeQueues.set(db, run.catch(() => undefined));
  return run;
}

/** Advisory lock key of capture's store transactions ("tfcapt" in ASCII): one store at a time per database. */
const CAPTURE_LOCK_KEY = 0x746663617074;

/**
 * Stores an already normalised document inside the caller's transaction (see ingestDocument), which
 * should come from queueStore: the transaction waits here for the database's capture lock anyway, and
 * waiting in the queue does not hold a connection.
 *
 * The statements are set-based: a document costs the same handful of statements whether it holds one
 * event or a thousand (events and their identifiers in one statement, then one per retraction step,
 * containment rebuild and anomaly check). Rows travel as one JSON parameter that PostgreSQL unpacks
 * with `jsonb_to_recordset`: building a multi-row INSERT parameter by parameter cost more than the
 * database's own work (bench/results/capture-fast-path-2026-11-28.md).
 */
export async function storeDocument(
  tx: Executor,
  owner: string,
  { events, masterData, eventListPath }: NormalisedDocument,
  captureId: string | null,
): Promise<IngestResult> {
  // Capture reads only through index lookups, a bounded number per identifier in the document. Without
  // statistics (PGlite never gathers them; a young PostgreSQL node has none yet) the planner can choose
  // to scan a whole table per lookup, or estimate high enough to start the JIT compiler, which costs
  // more than the statement. For this transaction only, scans are its last resort and JIT is off.
  // The capture lock comes first (see queueStore): every statement after it, in READ COMMITTED, sees
  // what the stores before this one committed. It is held until this transaction ends.
  await tx.execute(
    sql`SELECT pg_advisory_xact_lock(${CAPTURE_LOCK_KEY}), set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true)`,
  );
  if (masterData.length > 0) await storeMasterData(tx, owner, masterData);

  const byId = new Map<string, NormalisedEvent>();
  for (const event of events) if (!byId.has(event.eventId)) byId.set(event.eventId, event);
  const stored: Array<{ pk: number; event: NormalisedEvent }> = [];
  if (byId.size > 0) {
    for (const row of await insertEvents(tx, owner, [...byId.values()])) {
      const event = byId.get(row.event_id);
      if (event) stored.push({ pk: Number(row.pk), event });
    }
  }
  // Keep capture order (the primary key) so that "which came first" reads the same everywhere.
  stored.sort((a, b) => a.pk - b.pk);
  const captured = stored.map((s) => s.event.eventId);
  const capturedSet = new Set(captured);

  const { retracted, children: releasedByRetraction } = await retract(tx, owner, events, eventListPath);
  const retractedSet = new Set(retracted);
  // An event stored and retracted by the same document counts as captured (and retracted).
  const alreadyKnown = [...byId.keys()].filter((id) => !capturedSet.has(id) && !retractedSet.has(id));

  const aggregations = stored
    .filter(({ event }) => event.eventType === 'AggregationEvent')
    .sort((a, b) => a.event.eventTime.getTime() - b.event.eventTime.getTime());
  await deriveContainment(tx, aggregations, releasedByRetraction, retractedSet);
  const anomalies = await detectAnomalies(tx, stored, owner, captureId);
  await maintainUnitPositions(tx, { stored: stored.map((s) => s.pk), retracted });
  return { captured, alreadyKnown, retracted, anomalies, masterDataElements: masterData.length };
}

async function storeMasterData(tx: Executor, owner: string, masterData: NormalisedDocument['masterData']): Promise<void> {
  const rows = masterData.map((m) => ({ vocabulary_type: m.vocabularyType, key: m.key, attributes: m.attributes, children: m.children }));
  await tx.execute(
    sql`INSERT INTO vocabulary_element (vocabulary_type, key, owner_gln, attributes, children)
        SELECT r.vocabulary_type, r.key, ${owner}, r.attributes, r.children
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(vocabulary_type text, key text, attributes jsonb, children jsonb)
        ON CONFLICT (vocabulary_type, key) DO UPDATE SET
          attributes = vocabulary_element.attributes || excluded.attributes,
          children = excluded.children,
          owner_gln = excluded.owner_gln,
          updated_at = now()`,
  );
}

/**
 * One statement for the events and every identifier they name: new events get their primary keys in
 * document order, an eventID already stored is skipped (idempotent capture), and only the events
 * stored now get identifier rows. Returns the stored events' keys. The identifier rows need no
 * conflict handling (it costs a quarter of their insert): their events are new, and normalisation
 * keeps one row per (role, identifier) of an event.
 */
async function insertEvents(tx: Executor, owner: string, events: NormalisedEvent[]): Promise<Array<{ pk: string | number; event_id: string }>> {
  const rows = events.map((e, ord) => ({
    ord,
    event_id: e.eventId,
    event_type: e.eventType,
    event_time: e.eventTime.toISOString(),
    event_time_zone_offset: e.eventTimeZoneOffset,
    action: e.action,
    biz_step: e.bizStep,
    disposition: e.disposition,
    read_point: e.readPoint,
    biz_location: e.bizLocation,
    parent_key: e.parentKey,
    biz_transactions: e.bizTransactions,
    sources: e.sources,
    destinations: e.destinations,
    ilmd: e.ilmd,
    extensions: e.extensions,
    error_declaration: e.errorDeclaration,
    document: e.document,
    // Positional, to keep the parameter small: [role, key, gtin, serial, lot, quantity, uom].
    epcs: e.epcs.map((r) => [r.role, r.epcKey, r.gtin ?? null, r.serial ?? null, r.lot ?? null, r.quantity ?? null, r.uom ?? null]),
  }));
  return queryRows(
    tx,
    sql`WITH input AS (
          SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(
            ord int, event_id text, event_type text, event_time timestamptz, event_time_zone_offset text, action text,
            biz_step text, disposition text, read_point text, biz_location text, parent_key text, biz_transactions jsonb,
            sources jsonb, destinations jsonb, ilmd jsonb, extensions jsonb, error_declaration jsonb, document jsonb, epcs jsonb)
        ),
        stored AS (
          INSERT INTO epcis_event (event_id, owner_gln, event_type, event_time, event_time_zone_offset, action, biz_step,
            disposition, read_point, biz_location, parent_key, biz_transactions, sources, destinations, ilmd, extensions,
            error_declaration, document)
          SELECT event_id, ${owner}, event_type, event_time, event_time_zone_offset, action, biz_step, disposition, read_point,
            biz_location, parent_key, biz_transactions, sources, destinations, ilmd, extensions, error_declaration, document
          FROM input ORDER BY ord
          ON CONFLICT (event_id) DO NOTHING
          RETURNING id, event_id
        ),
        identifiers AS (
          INSERT INTO event_epc (event_pk, role, epc_key, gtin, serial, lot, quantity, uom)
          SELECT s.id, x->>0, x->>1, x->>2, x->>3, x->>4, (x->>5)::double precision, x->>6
          FROM stored s JOIN input i ON i.event_id = s.event_id CROSS JOIN LATERAL jsonb_array_elements(i.epcs) AS x
        )
        SELECT id AS pk, event_id FROM stored`,
  );
}

/**
 * EPCIS 2.0 error declarations: an event that carries `errorDeclaration` and the eventID of a stored
 * event retracts it. Only the partner that captured an event may retract it; the whole document is
 * refused otherwise. Traces skip retracted events (every view filters `error_declaration IS NULL`);
 * the children of retracted aggregations are returned so that their containment is rebuilt.
 */
async function retract(
  tx: Executor,
  owner: string,
  events: NormalisedEvent[],
  eventListPath: string,
): Promise<{ retracted: string[]; children: string[] }> {
  const declarations = new Map<string, { index: number; event: NormalisedEvent }>();
  events.forEach((event, index) => {
    if (event.errorDeclaration && !declarations.has(event.eventId)) declarations.set(event.eventId, { index, event });
  });
  if (declarations.size === 0) return { retracted: [], children: [] };
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
  if (targets.length === 0) return { retracted: [], children: [] };
  // Targets are rows without a declaration: an event first stored with its declaration never is one.
  const updates = targets.map((t) => ({
    pk: Number(t.pk),
    declaration: (declarations.get(t.event_id) as { event: NormalisedEvent }).event.errorDeclaration,
  }));
  await tx.execute(
    sql`UPDATE epcis_event e SET error_declaration = u.declaration,
          document = e.document || jsonb_build_object('errorDeclaration', u.declaration)
        FROM jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) AS u(pk bigint, declaration jsonb)
        WHERE e.id = u.pk`,
  );
  const aggregationPks = targets.filter((t) => t.event_type === 'AggregationEvent').map((t) => Number(t.pk));
  let children: string[] = [];
  if (aggregationPks.length > 0) {
    const rows = await queryRows<{ epc_key: string }>(
      tx,
      sql`SELECT DISTINCT x.epc_key FROM unnest(${sql.param(aggregationPks)}::bigint[]) AS q(event_pk)
          CROSS JOIN LATERAL (
            SELECT epc_key FROM event_epc WHERE event_pk = q.event_pk AND role IN ('child', 'childQuantity') OFFSET 0
          ) x`,
    );
    children = rows.map((r) => r.epc_key);
  }
  return { retracted: targets.map((t) => t.event_id), children };
}

/**
 * Rebuilds the containment of every child the document's aggregations name, and of the children of
 * aggregations it retracted, from their stored history (one read, one write).
 *
 * "Unpack everything": a DELETE that names a parent but no children empties whatever the parent held
 * at that moment; the children it released are recorded on it, so the event reads the same as an
 * explicit one. Each such event sees the containment the earlier ones left (a parent emptied twice gives
 * its children to the first), so they are replayed in time order over the children's history in memory,
 * together with the rebuild: however many there are, the document still costs one read of the parents'
 * children, one of their history, one insert of the released children and one write of containment.
 */
async function deriveContainment(
  tx: Executor,
  aggregations: Array<{ pk: number; event: NormalisedEvent }>,
  released: string[],
  retracted: ReadonlySet<string>,
): Promise<void> {
  const touched = new Set<string>(released);
  for (const { event } of aggregations) {
    for (const ref of event.epcs) if (ref.role === 'child' || ref.role === 'childQuantity') touched.add(ref.epcKey);
  }
  const unpackAll = aggregations.filter(
    ({ event }) =>
      event.action === 'DELETE' && event.parentKey && !event.epcs.some((r) => r.role === 'child' || r.role === 'childQuantity'),
  );
  if (unpackAll.length === 0) {
    if (touched.size > 0) await rebuildContainment(tx, [...touched]);
    return;
  }
  // A child these parents can release is one this document touched or one stored in them already
  // (containment is current for every child whose history this document does not change).
  const parents = [...new Set(unpackAll.map(({ event }) => event.parentKey as string))];
  const inParents = await queryRows<{ child_key: string }>(
    tx,
    sql`SELECT DISTINCT c.child_key FROM unnest(${sql.param(parents)}::text[]) AS q(parent_key)
        CROSS JOIN LATERAL (SELECT child_key FROM containment WHERE parent_key = q.parent_key OFFSET 0) c`,
  );
  const children = [...new Set([...touched, ...inParents.map((c) => c.child_key)])];
  if (children.length === 0) return;
  const history = groupByChild(await aggregationHistory(tx, children, true));
  const rows = replayUnpackAll(unpackAll, children, history, retracted);
  if (rows.length > 0) {
    // No conflicts possible: these events name no children of their own, and each child comes once.
    await tx.execute(
      sql`INSERT INTO event_epc (event_pk, role, epc_key)
          SELECT r.event_pk, 'child', r.child_key FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(event_pk bigint, child_key text)`,
    );
  }
  await insertContainment(tx, children, history);
}

/**
 * Replays the unpack-everything events in time order over the children's history (which it extends with
 * each live event's release, as storing its rows would) and returns the children each one released.
 */
function replayUnpackAll(
  unpackAll: Array<{ pk: number; event: NormalisedEvent }>,
  children: readonly string[],
  history: Map<string, AggregationStep[]>,
  retracted: ReadonlySet<string>,
): Array<{ event_pk: number; child_key: string }> {
  const intervalCache = new Map<string, ContainmentInterval[]>();
  const intervalsOf = (child: string) => {
    let found = intervalCache.get(child);
    if (!found) {
      found = containmentIntervals(child, history.get(child) ?? []);
      intervalCache.set(child, found);
    }
    return found;
  };
  const childrenOf = new Map<string, string[]>();
  for (const child of children) {
    for (const parent of new Set(intervalsOf(child).map((i) => i.parentKey))) {
      const list = childrenOf.get(parent);
      if (list) list.push(child);
      else childrenOf.set(parent, [child]);
    }
  }
  const rows: Array<{ event_pk: number; child_key: string }> = [];
  for (const { pk, event } of unpackAll) {
    const parent = event.parentKey as string;
    const at = event.eventTime.getTime();
    // A retracted event's rows are recorded, but its DELETE counts in nobody's history.
    const live = event.errorDeclaration === null && !retracted.has(event.eventId);
    for (const child of childrenOf.get(parent) ?? []) {
      const inside = intervalsOf(child).some((i) => i.parentKey === parent && i.validFrom <= at && (i.validTo === null || i.validTo > at));
      if (!inside) continue;
      rows.push({ event_pk: pk, child_key: child });
      if (!live) continue;
      const steps = history.get(child) ?? [];
      steps.push({ parentKey: parent, action: 'DELETE', at, pk });
      steps.sort((a, b) => a.at - b.at || a.pk - b.pk);
      history.set(child, steps);
      intervalCache.delete(child);
    }
  }
  return rows;
}

interface AggregationStep {
  parentKey: string | null;
  action: string;
  /** Event time, epoch milliseconds. */
  at: number;
  pk: number;
}

interface ContainmentInterval {
  childKey: string;
  seq: number;
  parentKey: string;
  validFrom: number;
  validTo: number | null;
}

/**
 * Every live aggregation step of the given children, per child in (event time, capture order). With
 * `clear`, the same statement deletes the children's containment rows (the caller writes them anew).
 */
async function aggregationHistory(tx: Executor, childKeys: readonly string[], clear = false): Promise<Array<AggregationStep & { childKey: string }>> {
  // One index lookup per child, then per event: LATERAL ... OFFSET 0 keeps the planner from turning the
  // lookups into a scan, which it might when its statistics are missing or stale.
  const clearing = clear
    ? sql`, cleared AS (
          DELETE FROM containment WHERE ctid = ANY(ARRAY(
            SELECT c.ctid FROM q CROSS JOIN LATERAL (SELECT ctid FROM containment WHERE child_key = q.child_key OFFSET 0) c)))`
    : sql``;
  const rows = await queryRows<{ child_key: string; parent_key: string | null; action: string; event_time: string | Date; pk: string | number }>(
    tx,
    sql`WITH q AS (SELECT unnest(${sql.param([...childKeys])}::text[]) AS child_key)${clearing}
        SELECT q.child_key, h.parent_key, h.action, h.event_time, h.pk
        FROM q
        CROSS JOIN LATERAL (
          SELECT event_pk FROM event_epc x WHERE x.epc_key = q.child_key AND x.role IN ('child', 'childQuantity') OFFSET 0
        ) x
        CROSS JOIN LATERAL (
          SELECT e.parent_key, e.action, e.event_time, e.id AS pk FROM epcis_event e
          WHERE e.id = x.event_pk AND e.event_type = 'AggregationEvent' AND e.error_declaration IS NULL
          OFFSET 0
        ) h
        ORDER BY q.child_key, h.event_time, h.pk`,
  );
  return rows.map((r) => ({ childKey: r.child_key, parentKey: r.parent_key, action: r.action, at: new Date(r.event_time).getTime(), pk: Number(r.pk) }));
}

function groupByChild(steps: Array<AggregationStep & { childKey: string }>): Map<string, AggregationStep[]> {
  const byChild = new Map<string, AggregationStep[]>();
  for (const { childKey, ...step } of steps) {
    const list = byChild.get(childKey);
    if (list) list.push(step);
    else byChild.set(childKey, [step]);
  }
  return byChild;
}

/**
 * A child's stays in containers from its aggregation steps in time order: ADD or OBSERVE opens a stay in
 * the parent (closing one in another parent), DELETE closes the stay in that parent.
 */
function containmentIntervals(childKey: string, steps: readonly AggregationStep[]): ContainmentInterval[] {
  const intervals: ContainmentInterval[] = [];
  let open: { parentKey: string; validFrom: number } | undefined;
  const close = (at: number | null) => {
    if (open) intervals.push({ childKey, seq: intervals.length, parentKey: open.parentKey, validFrom: open.validFrom, validTo: at });
    open = undefined;
  };
  for (const step of steps) {
    if (!step.parentKey) continue;
    if (step.action === 'DELETE') {
      if (open?.parentKey === step.parentKey) close(step.at);
    } else if (open?.parentKey !== step.parentKey) {
      close(step.at);
      open = { parentKey: step.parentKey, validFrom: step.at };
    }
  }
  close(null);
  return intervals;
}

/** Recomputes the containment intervals of the given children from their whole aggregation history. */
export async function rebuildContainment(tx: Executor, childKeys: string[]): Promise<void> {
  const keys = [...new Set(childKeys)];
  if (keys.length === 0) return;
  // The read also clears the children's rows: they are written anew below.
  await insertContainment(tx, keys, groupByChild(await aggregationHistory(tx, keys, true)));
}

/** Inserts the containment intervals the children's histories give (their old rows already deleted). */
async function insertContainment(tx: Executor, keys: readonly string[], history: ReadonlyMap<string, readonly AggregationStep[]>): Promise<void> {
  const intervals: Array<{ child_key: string; seq: number; parent_key: string; valid_from: string; valid_to: string | null }> = [];
  for (const child of keys) {
    for (const i of containmentIntervals(child, history.get(child) ?? [])) {
      intervals.push({
        child_key: child,
        seq: i.seq,
        parent_key: i.parentKey,
        valid_from: new Date(i.validFrom).toISOString(),
        valid_to: i.validTo === null ? null : new Date(i.validTo).toISOString(),
      });
    }
  }
  if (intervals.length === 0) return;
  await tx.execute(
    sql`INSERT INTO containment (child_key, seq, parent_key, valid_from, valid_to)
        SELECT child_key, seq, parent_key, valid_from, valid_to
        FROM jsonb_to_recordset(${JSON.stringify(intervals)}::jsonb)
          AS r(child_key text, seq smallint, parent_key text, valid_from timestamptz, valid_to timestamptz)`,
  );
}
