import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { queryRows, type Executor } from '../db/connection.ts';
import { masterDataCacheOf } from './masterDataCache.ts';
import type { BizTransaction, SourceOrDestination } from './types.ts';

/** An event as the custody views see it, tagged with the unit it concerns and the container it came through. */
export interface StoredEvent {
  pk: number;
  eventId: string;
  owner: string;
  eventType: string;
  eventTime: Date;
  eventTimeZoneOffset: string;
  recordTime: Date;
  action: string | null;
  bizStep: string | null;
  disposition: string | null;
  readPoint: string | null;
  bizLocation: string | null;
  parentKey: string | null;
  bizTransactions: BizTransaction[];
  sources: SourceOrDestination[];
  destinations: SourceOrDestination[];
  ilmd: Record<string, unknown> | null;
  extensions: Record<string, unknown> | null;
  errorDeclaration: Record<string, unknown> | null;
}

export interface UnitEvent extends StoredEvent {
  /** Canonical key of the unit (or container) asked about. */
  subjectKey: string;
  /** The container through which the event reached the subject, null when it named the subject itself. */
  viaKey: string | null;
  /** How the event named the subject or its container: epc, parent, child, input, output. */
  role: string;
}

export interface ContainerStay {
  subjectKey: string;
  containerKey: string;
  depth: number;
  validFrom: Date;
  validTo: Date | null;
}

export interface VocabularyRow {
  vocabularyType: string;
  key: string;
  owner: string;
  attributes: Record<string, unknown>;
  children: string[];
}

export const EVENT_COLUMNS = sql.raw(`e.id AS pk, e.event_id, e.owner_gln, e.event_type, e.event_time, e.event_time_zone_offset,
  e.record_time, e.action, e.biz_step, e.disposition, e.read_point, e.biz_location, e.parent_key,
  e.biz_transactions, e.sources, e.destinations, e.ilmd, e.extensions, e.error_declaration`);

export interface EventAnomalyRow {
  eventPk: number;
  code: string;
  message: string;
  eventIds: string[];
}

export type RawEvent = Record<string, unknown>;

export function toStoredEvent(r: RawEvent): StoredEvent {
  return {
    pk: Number(r.pk),
    eventId: r.event_id as string,
    owner: r.owner_gln as string,
    eventType: r.event_type as string,
    eventTime: new Date(r.event_time as string),
    eventTimeZoneOffset: r.event_time_zone_offset as string,
    recordTime: new Date(r.record_time as string),
    action: (r.action as string | null) ?? null,
    bizStep: (r.biz_step as string | null) ?? null,
    disposition: (r.disposition as string | null) ?? null,
    readPoint: (r.read_point as string | null) ?? null,
    bizLocation: (r.biz_location as string | null) ?? null,
    parentKey: (r.parent_key as string | null) ?? null,
    bizTransactions: json(r.biz_transactions) ?? [],
    sources: json(r.sources) ?? [],
    destinations: json(r.destinations) ?? [],
    ilmd: json(r.ilmd),
    extensions: json(r.extensions),
    errorDeclaration: json(r.error_declaration),
  };
}

function toVocabularyRow(r: Record<string, unknown>): VocabularyRow {
  return {
    vocabularyType: r.vocabulary_type as string,
    key: r.key as string,
    owner: r.owner_gln as string,
    attributes: json<Record<string, unknown>>(r.attributes) ?? {},
    children: json<string[]>(r.children) ?? [],
  };
}

/** node-postgres and PGlite both parse jsonb; this also accepts a string for safety across drivers. */
function json<T>(value: unknown): T | null {
  if (value === null || value === undefined) return null;
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** Containment chains deeper than this are treated as data errors rather than followed forever. */
const MAX_NESTING = 8;

/**
 * Batches up to this many keys run as named (prepared) statements; larger ones are planned for their
 * own size. A trace asks about one unit, one lot and a few events and elements at a time.
 */
export const PREPARED_BATCH_LIMIT = 100;

const dialect = new PgDialect();

/**
 * `column` equal to one of `keys`: a plain parameter for one key, an array for several. A named
 * statement's generic plan cannot see how long an array parameter is and is costed for 10 to 100 keys,
 * so PostgreSQL would plan every execution afresh; with one plain key both plans are costed alike and,
 * from the sixth execution on, it plans the statement once per connection. `query` names the two
 * spellings apart.
 */
function matching(column: SQL, keys: ReadonlyArray<string | number>, type: 'text' | 'bigint'): SQL {
  return keys.length === 1
    ? sql`${column} = ${keys[0]}::${sql.raw(type)}`
    : sql`${column} = ANY(${sql.param([...keys])}::${sql.raw(type)}[])`;
}

export interface EventRepositoryOptions {
  /**
   * Run small batches as named statements (default true): node-postgres parses each once per
   * connection, and PostgreSQL plans a one-key statement once (eventsFor for one unit took 0.8 ms
   * unnamed and 0.3 ms named, bench/results/trace-fast-path-2026-11-28.md). PGlite ignores the name.
   */
  namedStatements?: boolean;
}

/**
 * Queries over the EPCIS event store that every node shares. One method, one SQL statement, for any
 * number of keys: DataLoaders call these with whole batches.
 */
export function createEventRepository(db: Executor, options: EventRepositoryOptions = {}) {
  const named = options.namedStatements ?? true;
  /**
   * Runs a statement, named when the batch is small (PREPARED_BATCH_LIMIT). A name stands for one
   * text: its statement may vary only by spelling one key apart from several (see `matching`).
   */
  async function query<T>(name: string, batch: number, statement: SQL): Promise<T[]> {
    if (!named || batch > PREPARED_BATCH_LIMIT) return queryRows<T>(db, statement);
    const prepared = db._.session.prepareQuery(dialect.sqlToQuery(statement), undefined, `tracefed_${name}${batch === 1 ? '_one' : ''}`, false);
    return ((await prepared.execute()) as { rows: T[] }).rows;
  }

  async function vocabularyElements(keys: readonly string[]): Promise<VocabularyRow[]> {
    if (keys.length === 0) return [];
    const rows = await query<Record<string, unknown>>(
      'vocabulary_elements',
      keys.length,
      sql`SELECT vocabulary_type, key, owner_gln, attributes, children FROM vocabulary_element
          WHERE ${matching(sql`key`, keys, 'text')}`,
    );
    return rows.map(toVocabularyRow);
  }

  return {
    /**
     * Every event that concerns each subject: events naming it, and events naming a container that
     * held it at the time (followed through nested cases and pallets). Retracted events are skipped.
     */
    async eventsFor(subjectKeys: readonly string[]): Promise<UnitEvent[]> {
      if (subjectKeys.length === 0) return [];
      // One key as a plain parameter, as in `matching`.
      const subjects =
        subjectKeys.length === 1 ? sql`SELECT ${subjectKeys[0]}::text AS subject_key` : sql`SELECT unnest(${sql.param([...subjectKeys])}::text[]) AS subject_key`;
      const rows = await query<RawEvent>(
        'events_for',
        subjectKeys.length,
        sql`WITH RECURSIVE subjects AS (${subjects}),
            stays(subject_key, container_key, valid_from, valid_to, depth) AS (
              SELECT s.subject_key, c.parent_key, c.valid_from, c.valid_to, 1
              FROM subjects s JOIN containment c ON c.child_key = s.subject_key
              UNION ALL
              SELECT st.subject_key, c.parent_key, GREATEST(st.valid_from, c.valid_from),
                     CASE WHEN st.valid_to IS NULL THEN c.valid_to
                          WHEN c.valid_to IS NULL THEN st.valid_to
                          ELSE LEAST(st.valid_to, c.valid_to) END,
                     st.depth + 1
              FROM stays st JOIN containment c ON c.child_key = st.container_key
                AND c.valid_from < COALESCE(st.valid_to, 'infinity'::timestamptz)
                AND COALESCE(c.valid_to, 'infinity'::timestamptz) > st.valid_from
              WHERE st.depth < ${MAX_NESTING}
            ),
            hits AS (
              SELECT s.subject_key, NULL::text AS via_key, x.role, x.event_pk, 0 AS depth
              FROM subjects s JOIN event_epc x ON x.epc_key = s.subject_key
              UNION ALL
              SELECT st.subject_key, st.container_key, x.role, x.event_pk, st.depth
              FROM stays st JOIN event_epc x ON x.epc_key = st.container_key
              JOIN epcis_event ev ON ev.id = x.event_pk
                AND ev.event_time >= st.valid_from
                AND (st.valid_to IS NULL OR ev.event_time < st.valid_to)
            ),
            best AS (
              SELECT DISTINCT ON (subject_key, event_pk) subject_key, via_key, role, event_pk
              FROM hits ORDER BY subject_key, event_pk, depth
            )
            SELECT b.subject_key, b.via_key, b.role, ${EVENT_COLUMNS}
            FROM best b JOIN epcis_event e ON e.id = b.event_pk
            WHERE e.error_declaration IS NULL
            ORDER BY b.subject_key, e.event_time, e.id`,
      );
      return rows.map((r) => ({
        ...toStoredEvent(r),
        subjectKey: r.subject_key as string,
        viaKey: (r.via_key as string | null) ?? null,
        role: r.role as string,
      }));
    },

    /** The containers each subject travelled in on this node, outermost last, with when it was inside. */
    async containersOf(subjectKeys: readonly string[]): Promise<ContainerStay[]> {
      if (subjectKeys.length === 0) return [];
      const rows = await query<Record<string, unknown>>(
        'containers_of',
        subjectKeys.length,
        sql`WITH RECURSIVE stays(subject_key, container_key, valid_from, valid_to, depth) AS (
              SELECT c.child_key, c.parent_key, c.valid_from, c.valid_to, 1
              FROM containment c WHERE ${matching(sql`c.child_key`, subjectKeys, 'text')}
              UNION ALL
              SELECT st.subject_key, c.parent_key, GREATEST(st.valid_from, c.valid_from),
                     CASE WHEN st.valid_to IS NULL THEN c.valid_to
                          WHEN c.valid_to IS NULL THEN st.valid_to
                          ELSE LEAST(st.valid_to, c.valid_to) END,
                     st.depth + 1
              FROM stays st JOIN containment c ON c.child_key = st.container_key
                AND c.valid_from < COALESCE(st.valid_to, 'infinity'::timestamptz)
                AND COALESCE(c.valid_to, 'infinity'::timestamptz) > st.valid_from
              WHERE st.depth < ${MAX_NESTING}
            )
            SELECT subject_key, container_key, valid_from, valid_to, depth FROM stays
            ORDER BY subject_key, valid_from, depth`,
      );
      return rows.map((r) => ({
        subjectKey: r.subject_key as string,
        containerKey: r.container_key as string,
        depth: Number(r.depth),
        validFrom: new Date(r.valid_from as string),
        validTo: r.valid_to ? new Date(r.valid_to as string) : null,
      }));
    },

    /** Master data elements by canonical key, whatever their vocabulary type. */
    vocabularyElements,

    /**
     * One master data element per key (null where the node has none), in key order, through this
     * process's cache of the database (masterDataCache.ts): only keys it does not hold cost a statement.
     */
    async masterData(keys: readonly string[]): Promise<Array<VocabularyRow | null>> {
      return masterDataCacheOf(db).read(keys, vocabularyElements);
    },

    /** All master data elements of one vocabulary type. */
    async vocabulary(vocabularyType: string): Promise<VocabularyRow[]> {
      const rows = await queryRows<Record<string, unknown>>(
        db,
        sql`SELECT vocabulary_type, key, owner_gln, attributes, children FROM vocabulary_element
            WHERE vocabulary_type = ${vocabularyType} ORDER BY key`,
      );
      return rows.map(toVocabularyRow);
    },

    /** Events that name any of the keys in the given role (e.g. the TransformationEvent whose output is a lot). */
    async eventsNaming(keys: readonly string[], roles: readonly string[]): Promise<Array<StoredEvent & { epcKey: string }>> {
      if (keys.length === 0) return [];
      const rows = await query<RawEvent>(
        'events_naming',
        keys.length,
        sql`SELECT x.epc_key, ${EVENT_COLUMNS}
            FROM event_epc x JOIN epcis_event e ON e.id = x.event_pk
            WHERE ${matching(sql`x.epc_key`, keys, 'text')} AND x.role = ANY(${sql.param([...roles])}::text[])
              AND e.error_declaration IS NULL
            ORDER BY e.event_time, e.id`,
      );
      return rows.map((r) => ({ ...toStoredEvent(r), epcKey: r.epc_key as string }));
    },

    /** Serialized units commissioned into each (gtin, lot), from the commissioning events' ILMD. */
    async unitsOfLots(lots: ReadonlyArray<{ gtin: string; lot: string }>): Promise<Array<{ gtin: string; lot: string; serial: string }>> {
      if (lots.length === 0) return [];
      const rows = await queryRows<Record<string, unknown>>(
        db,
        sql`SELECT DISTINCT x.gtin, x.lot, x.serial
            FROM unnest(${sql.param(lots.map((l) => l.gtin))}::text[], ${sql.param(lots.map((l) => l.lot))}::text[]) AS q(gtin, lot)
            JOIN event_epc x ON x.gtin = q.gtin AND x.lot = q.lot AND x.serial IS NOT NULL
            JOIN epcis_event e ON e.id = x.event_pk AND e.biz_step = 'commissioning' AND e.error_declaration IS NULL
            ORDER BY x.gtin, x.lot, x.serial`,
      );
      return rows.map((r) => ({ gtin: r.gtin as string, lot: r.lot as string, serial: r.serial as string }));
    },

    /** Finished lots made of each product: lot classes that TransformationEvents output. */
    async lotsOfProducts(gtins: readonly string[]): Promise<Array<{ gtin: string; lot: string }>> {
      if (gtins.length === 0) return [];
      const rows = await queryRows<Record<string, unknown>>(
        db,
        sql`SELECT DISTINCT x.gtin, x.lot FROM event_epc x JOIN epcis_event e ON e.id = x.event_pk
            WHERE x.gtin = ANY(${sql.param([...gtins])}::text[]) AND x.lot IS NOT NULL AND x.serial IS NULL
              AND x.role IN ('outputQuantity', 'output') AND e.error_declaration IS NULL
            ORDER BY x.gtin, x.lot`,
      );
      return rows.map((r) => ({ gtin: r.gtin as string, lot: r.lot as string }));
    },

    /** Anomalies flagged at capture on the given events (by primary key), oldest first. */
    async anomaliesOf(eventPks: readonly number[]): Promise<EventAnomalyRow[]> {
      if (eventPks.length === 0) return [];
      const rows = await query<Record<string, unknown>>(
        'anomalies_of',
        eventPks.length,
        sql`SELECT event_pk, code, message, event_ids FROM event_anomaly
            WHERE ${matching(sql`event_pk`, eventPks, 'bigint')} ORDER BY event_pk, id`,
      );
      return rows.map((r) => ({
        eventPk: Number(r.event_pk),
        code: r.code as string,
        message: r.message as string,
        eventIds: json<string[]>(r.event_ids) ?? [],
      }));
    },

    /** Identifiers named together with the given events (e.g. a TransformationEvent's inputs). */
    async epcsOfEvents(eventPks: readonly number[]): Promise<Array<{ eventPk: number; role: string; epcKey: string; gtin: string | null; serial: string | null; lot: string | null; quantity: number | null; uom: string | null }>> {
      if (eventPks.length === 0) return [];
      const rows = await query<Record<string, unknown>>(
        'epcs_of_events',
        eventPks.length,
        sql`SELECT event_pk, role, epc_key, gtin, serial, lot, quantity, uom FROM event_epc
            WHERE ${matching(sql`event_pk`, eventPks, 'bigint')} ORDER BY event_pk, role, epc_key`,
      );
      return rows.map((r) => ({
        eventPk: Number(r.event_pk),
        role: r.role as string,
        epcKey: r.epc_key as string,
        gtin: (r.gtin as string | null) ?? null,
        serial: (r.serial as string | null) ?? null,
        lot: (r.lot as string | null) ?? null,
        quantity: r.quantity === null || r.quantity === undefined ? null : Number(r.quantity),
        uom: (r.uom as string | null) ?? null,
      }));
    },
  };
}

export type EventRepository = ReturnType<typeof createEventRepository>;
