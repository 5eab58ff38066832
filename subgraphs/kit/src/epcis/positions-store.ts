/**
 * The position table: for every unit (serialised trade item, `/01/{gtin}/21/{serial}`) this node has
 * recorded, the latest event that says where it is, kept current by capture so that a recall reads one
 * row per unit instead of walking the whole history (docs/DECISIONS.md §11).
 *
 * "Latest" is exactly the whole-history definition in whereabouts.ts (`latestOfSubjects`): events naming
 * the unit, and events naming a case or pallet while the unit was inside, ordered by event time, then
 * step rank (at one instant a receipt comes first and a departure last), then capture order; retracted
 * events never count. Capture keeps the table equal to that definition:
 *
 * - every event stored reaches the units it names and, through containment valid at its event time, the
 *   units inside the containers it names (recursively); a unit's row moves to the event only when the
 *   event is later than the row's;
 * - units whose answer can move backwards or sideways are recomputed from history with the definition
 *   itself: units a retracted event reached, and units whose containment changed (the children of the
 *   document's aggregations and of retracted aggregations, and everything inside them at any time).
 *
 * Maintenance runs inside the capture transaction, under a transaction-scoped advisory lock, so that
 * captures recomputing from history never read a snapshot another capture is about to overwrite.
 */
import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Executor } from '../db/connection.ts';
import { latestOfSubjects, STEP_RANK } from './whereabouts.ts';

/** Containers deeper than this are data errors, as in whereabouts.ts. */
const MAX_NESTING = 8;

/** Advisory lock key of position maintenance ("tfposit" in ASCII): one writer at a time. */
const LOCK_KEY = 0x7466706f736974;

/** Units recomputed per statement in a backfill: bounds the statement's memory on a large node. */
const BACKFILL_BATCH = 50_000;

/** A unit's key: a GS1 Digital Link path of an SGTIN. */
const UNIT_KEY = sql.raw(`'/01/%/21/%'`);

export interface PositionChanges {
  /** Primary keys of the events the document stored. */
  stored: readonly number[];
  /** Event IDs the document retracted (error declarations). */
  retracted: readonly string[];
}

/**
 * Brings the position table up to date with what one capture document stored and retracted. Called
 * once, at the end of storeDocument, inside its transaction; costs at most five statements whatever
 * the document's size (lock, retraction keys, units needing history, forward update, recompute).
 */
export async function maintainUnitPositions(tx: Executor, changes: PositionChanges): Promise<void> {
  if (changes.stored.length === 0 && changes.retracted.length === 0) return;
  // work_mem for the walks below: a manufacturer's document reaches over 100,000 (event, unit) pairs.
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${LOCK_KEY}), set_config('work_mem', '64MB', true)`);
  const retractedPks =
    changes.retracted.length === 0
      ? []
      : (
          await queryRows<{ id: string | number }>(
            tx,
            sql`SELECT id FROM epcis_event WHERE event_id = ANY(${sql.param([...changes.retracted])}::text[])`,
          )
        ).map((r) => Number(r.id));
  // Read before the forward update: which units need history is decided on the rows as they were.
  const unsettled = await unitsToRecompute(tx, changes.stored, retractedPks);
  if (changes.stored.length > 0) await advance(tx, changes.stored);
  if (unsettled.length > 0) await recompute(tx, unsettled);
}

/**
 * Forward update: the best of the new events for every unit they reach (directly, or through the
 * containers they name as containment stood at their event time), written where it is later than the
 * unit's current row.
 *
 * Shaped for documents that reach every unit several times (a manufacturer's document reaches each of
 * its 20,000 units about six times: commissioned, packed, through its case when palletised, shipped):
 * - each new event gets its rank among the document's events (`ord`: event time, step rank, then
 *   capture order, the definition's order), so a unit's best is `max(ord)`, an aggregate over one
 *   integer instead of a sort of every (event, unit) pair on three columns;
 * - the walk is UNION ALL: a unit reached twice by one event (named by a packing event and again
 *   through the case that event names) changes nothing in `max(ord)`, and the depth bound alone ends
 *   the walk (at one instant a child has one container, so copies come only from an event naming a
 *   container and what is inside it); UNION compared every row with all the rows before it;
 * - `best` groups every key reached and the units are picked after: grouped over units alone, the
 *   planner expected a handful of rows and sorted them all instead of hashing.
 */
async function advance(tx: Executor, pks: readonly number[]): Promise<void> {
  await tx.execute(
    sql`WITH RECURSIVE events AS MATERIALIZED (
          SELECT row_number() OVER (ORDER BY e.event_time, ${STEP_RANK}, e.id) AS ord,
            e.id, e.event_time, ${STEP_RANK} AS step_rank
          FROM unnest(${sql.param([...pks])}::bigint[]) AS q(pk)
          JOIN epcis_event e ON e.id = q.pk AND e.error_declaration IS NULL
        ),
        reach(ord, event_time, key, depth) AS (
          SELECT ev.ord, ev.event_time, x.epc_key, 0
          FROM events ev CROSS JOIN LATERAL (SELECT epc_key FROM event_epc WHERE event_pk = ev.id OFFSET 0) x
          UNION ALL
          SELECT r.ord, r.event_time, c.child_key, r.depth + 1
          FROM reach r JOIN containment c ON c.parent_key = r.key
            AND c.valid_from <= r.event_time AND (c.valid_to IS NULL OR c.valid_to > r.event_time)
          WHERE r.depth < ${MAX_NESTING}
        ),
        best AS MATERIALIZED (
          SELECT key, max(ord)::int AS ord FROM reach GROUP BY key
        ),
        -- The events by rank, read by subscript: a join back on ord was planned as a nested loop over
        -- the events for every unit (the planner cannot estimate the walk's rows).
        ranked AS MATERIALIZED (
          SELECT array_agg(id ORDER BY ord) AS ids, array_agg(event_time ORDER BY ord) AS times,
            array_agg(step_rank ORDER BY ord) AS ranks
          FROM events
        )
        INSERT INTO unit_position AS p (unit_key, event_pk, event_time, step_rank)
        SELECT b.key, k.ids[b.ord], k.times[b.ord], k.ranks[b.ord] FROM best b CROSS JOIN ranked k
        WHERE b.key LIKE ${UNIT_KEY}
        ON CONFLICT (unit_key) DO UPDATE SET
          event_pk = excluded.event_pk, event_time = excluded.event_time, step_rank = excluded.step_rank
        WHERE (excluded.event_time, excluded.step_rank, excluded.event_pk) > (p.event_time, p.step_rank, p.event_pk)`,
  );
}

/**
 * Units whose latest event the forward update cannot be trusted to find, decided on the rows as they
 * were before this document:
 * - units a retracted event reached (their deciding event may be gone);
 * - units inside a child whose containment a retracted aggregation changed (everything ever inside it);
 * - units inside a child K whose containment this document's aggregations changed. A new aggregation
 *   step at time t changes K's stays only from t on, so a unit whose row is older than t had no candidate
 *   from t on, and its new candidates from t on are this document's events (the forward update applies
 *   them) unless a container K is now inside had events from t on already. Such a unit is recomputed
 *   only when its row is not older than t, or when K's new containers had such events.
 */
async function unitsToRecompute(tx: Executor, stored: readonly number[], retracted: readonly number[]): Promise<string[]> {
  if (retracted.length === 0) {
    // Without a retraction only aggregations change containment: most documents stop here.
    const [aggregation] = await queryRows<{ found: boolean }>(
      tx,
      sql`SELECT EXISTS (SELECT 1 FROM unnest(${sql.param([...stored])}::bigint[]) AS q(pk)
            JOIN epcis_event e ON e.id = q.pk AND e.event_type = 'AggregationEvent') AS found`,
    );
    if (!aggregation?.found) return [];
  }
  const rows = await queryRows<{ key: string }>(tx, recomputeSetSql(stored, retracted));
  return rows.map((r) => r.key);
}

/** The statement behind unitsToRecompute. */
function recomputeSetSql(stored: readonly number[], retracted: readonly number[]): SQL {
  return sql`WITH RECURSIVE gone AS MATERIALIZED (
          SELECT e.id, e.event_time FROM unnest(${sql.param([...retracted])}::bigint[]) AS q(pk) JOIN epcis_event e ON e.id = q.pk
        ),
        gone_reach(id, event_time, key, depth) AS (
          SELECT g.id, g.event_time, x.epc_key, 0
          FROM gone g CROSS JOIN LATERAL (SELECT epc_key FROM event_epc WHERE event_pk = g.id OFFSET 0) x
          UNION
          SELECT r.id, r.event_time, c.child_key, r.depth + 1
          FROM gone_reach r JOIN containment c ON c.parent_key = r.key
            AND c.valid_from <= r.event_time AND (c.valid_to IS NULL OR c.valid_to > r.event_time)
          WHERE r.depth < ${MAX_NESTING}
        ),
        stored AS MATERIALIZED (SELECT unnest(${sql.param([...stored])}::bigint[]) AS pk),
        touched AS MATERIALIZED (
          SELECT x.epc_key AS root, min(e.event_time) AS since, bool_or(q.retracted) AS retracted
          FROM (SELECT pk, false AS retracted FROM stored
                UNION ALL SELECT unnest(${sql.param([...retracted])}::bigint[]), true) q
          JOIN epcis_event e ON e.id = q.pk AND e.event_type = 'AggregationEvent'
          CROSS JOIN LATERAL (
            SELECT epc_key FROM event_epc WHERE event_pk = e.id AND role IN ('child', 'childQuantity') OFFSET 0
          ) x
          GROUP BY x.epc_key
        ),
        -- The containers a moved child is in from its change on, walked once per (container, time),
        -- not once per child: the units of a case share them.
        first_up AS MATERIALIZED (
          SELECT t.root, t.since, c.parent_key
          FROM touched t JOIN containment c ON c.child_key = t.root AND COALESCE(c.valid_to, 'infinity'::timestamptz) > t.since
          WHERE NOT t.retracted
        ),
        up(origin, since, key, depth) AS (
          SELECT DISTINCT parent_key, since, parent_key, 1 FROM first_up
          UNION
          SELECT u.origin, u.since, c.parent_key, u.depth + 1
          FROM up u JOIN containment c ON c.child_key = u.key AND COALESCE(c.valid_to, 'infinity'::timestamptz) > u.since
          WHERE u.depth < ${MAX_NESTING}
        ),
        late_hits AS MATERIALIZED (
          SELECT u.origin, u.since, x.event_pk FROM up u
          CROSS JOIN LATERAL (SELECT event_pk FROM event_epc WHERE epc_key = u.key OFFSET 0) x
          WHERE x.event_pk NOT IN (SELECT pk FROM stored)
        ),
        late_origins AS MATERIALIZED (
          SELECT DISTINCT h.origin, h.since FROM late_hits h
          CROSS JOIN LATERAL (
            SELECT 1 FROM epcis_event e WHERE e.id = h.event_pk AND e.event_time >= h.since AND e.error_declaration IS NULL OFFSET 0
          ) e
        ),
        late AS MATERIALIZED (
          SELECT DISTINCT f.root FROM first_up f JOIN late_origins l ON l.origin = f.parent_key AND l.since = f.since
        ),
        moved(root, since, whole, key, depth) AS (
          SELECT t.root, t.since, t.retracted OR t.root IN (SELECT root FROM late), t.root, 0 FROM touched t
          UNION
          SELECT m.root, m.since, m.whole, c.child_key, m.depth + 1 FROM moved m JOIN containment c ON c.parent_key = m.key
          WHERE m.depth < ${MAX_NESTING}
        )
        SELECT key FROM gone_reach WHERE key LIKE ${UNIT_KEY}
        UNION
        SELECT m.key FROM moved m LEFT JOIN unit_position p ON p.unit_key = m.key
        WHERE m.key LIKE ${UNIT_KEY} AND (m.whole OR p.event_time >= m.since)`;
}

/**
 * Sets the given units' rows to what their whole history says (the definition in whereabouts.ts), and
 * removes the rows of units no live event reaches any more.
 */
async function recompute(tx: Executor, keys: readonly string[]): Promise<void> {
  await tx.execute(sql`SELECT set_config('work_mem', '64MB', true)`);
  await tx.execute(
    sql`WITH RECURSIVE subjects AS MATERIALIZED (
          SELECT 1 AS lot_no, u.n, u.k AS subject_key FROM unnest(${sql.param([...keys])}::text[]) WITH ORDINALITY AS u(k, n)
        ),
        ${latestOfSubjects()},
        computed AS MATERIALIZED (
          SELECT s.subject_key AS unit_key, b.event_pk, b.event_time, b.step_rank
          FROM best b JOIN subjects s ON s.n = b.n
        ),
        removed AS (
          DELETE FROM unit_position p
          WHERE p.unit_key IN (SELECT subject_key FROM subjects)
            AND NOT EXISTS (SELECT 1 FROM computed c WHERE c.unit_key = p.unit_key)
        )
        INSERT INTO unit_position AS p (unit_key, event_pk, event_time, step_rank)
        SELECT unit_key, event_pk, event_time, step_rank FROM computed
        ON CONFLICT (unit_key) DO UPDATE SET
          event_pk = excluded.event_pk, event_time = excluded.event_time, step_rank = excluded.step_rank`,
  );
}

/**
 * Fills the position table from history once, on a node that has events the table never saw: a node
 * upgraded from a version without the table, or a database bulk-loaded around capture (bench/load.ts).
 * The `unit_position_state` row records that it was done; later captures keep the table current. Asked
 * on every recall (one primary-key probe), so a database refilled behind a running node is noticed.
 */
export async function ensureUnitPositions(db: Executor): Promise<void> {
  const [state] = await queryRows<{ filled_at: unknown }>(db, sql`SELECT filled_at FROM unit_position_state WHERE id = 1`);
  if (!state) await rebuildUnitPositions(db);
}

/**
 * Recomputes every unit's row from history, under the maintenance lock (captures wait), and marks the
 * table filled. Returns the number of units.
 */
export async function rebuildUnitPositions(db: Executor): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${LOCK_KEY})`);
    await tx.execute(sql`SELECT set_config('jit', 'off', true)`);
    const [state] = await queryRows<{ filled_at: unknown }>(tx, sql`SELECT filled_at FROM unit_position_state WHERE id = 1`);
    if (state) return 0;
    const units = (
      await queryRows<{ key: string }>(
        tx,
        sql`SELECT epc_key AS key FROM event_epc WHERE epc_key LIKE ${UNIT_KEY}
            UNION SELECT child_key FROM containment WHERE child_key LIKE ${UNIT_KEY}`,
      )
    ).map((r) => r.key);
    await tx.execute(sql`DELETE FROM unit_position`);
    for (let i = 0; i < units.length; i += BACKFILL_BATCH) await recompute(tx, units.slice(i, i + BACKFILL_BATCH));
    await tx.execute(sql`INSERT INTO unit_position_state (id, filled_at) VALUES (1, now()) ON CONFLICT (id) DO NOTHING`);
    return units.length;
  });
}
