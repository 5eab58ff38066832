import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Executor } from '../db/connection.ts';
import { encodeDigitalLinkValue } from '../gs1/index.ts';
import type { LotDecisions } from '../investigations/positions.ts';
import { ensureUnitPositions } from './positions-store.ts';
import type { SourceOrDestination } from './types.ts';

/** Containment chains deeper than this are treated as data errors, as in the custody views. */
const MAX_NESTING = 8;

export const STEP_RANK = sql.raw(
  `CASE WHEN e.biz_step IN ('shipping', 'departing') THEN 2 WHEN e.biz_step IN ('receiving', 'accepting', 'arriving') THEN 0 ELSE 1 END`,
);

/**
 * The common table expressions that find, for every row of a `subjects(lot_no, n, subject_key)` CTE
 * the caller defines first (under WITH RECURSIVE), the latest event this node recorded for it: events
 * naming the unit, and events naming a case or pallet while the unit was inside (recursively, up to
 * MAX_NESTING containers). Ends with `best(lot_no, n, event_pk, event_time, step_rank)`. This is the
 * whole-history definition of a unit's position; the recall query and the position table
 * (positions-store.ts) both use it, so the two cannot drift apart.
 */
export function latestOfSubjects(): SQL {
  return sql`first_stays AS MATERIALIZED (
                SELECT s.lot_no, s.n, c.parent_key AS container_key, c.valid_from,
                       COALESCE(c.valid_to, 'infinity'::timestamptz) AS valid_to,
                       dense_rank() OVER (ORDER BY c.parent_key, c.valid_from, COALESCE(c.valid_to, 'infinity'::timestamptz)) AS root
                FROM subjects s JOIN containment c ON c.child_key = s.subject_key
              ),
              windows(container_key, valid_from, valid_to, root, depth) AS (
                SELECT DISTINCT container_key, valid_from, valid_to, root, 1 FROM first_stays
                UNION ALL
                SELECT c.parent_key, GREATEST(w.valid_from, c.valid_from),
                       LEAST(w.valid_to, COALESCE(c.valid_to, 'infinity'::timestamptz)), w.root, w.depth + 1
                FROM windows w JOIN containment c ON c.child_key = w.container_key
                  AND c.valid_from < w.valid_to AND COALESCE(c.valid_to, 'infinity'::timestamptz) > w.valid_from
                WHERE w.depth < ${MAX_NESTING}
              ),
              window_hits AS (
                SELECT w.root, e.id AS event_pk, e.event_time, ${STEP_RANK} AS step_rank
                FROM windows w
                CROSS JOIN LATERAL (SELECT x.event_pk FROM event_epc x WHERE x.epc_key = w.container_key OFFSET 0) h
                JOIN epcis_event e ON e.id = h.event_pk
                  AND e.event_time >= w.valid_from AND e.event_time < w.valid_to AND e.error_declaration IS NULL
              ),
              window_best AS MATERIALIZED (
                SELECT DISTINCT ON (root) root, event_pk, event_time, step_rank
                FROM window_hits ORDER BY root, event_time DESC, step_rank DESC, event_pk DESC
              ),
              direct AS MATERIALIZED (
                SELECT s.lot_no, s.n, x.event_pk FROM subjects s JOIN event_epc x ON x.epc_key = s.subject_key
              ),
              direct_event_ids AS MATERIALIZED (
                SELECT DISTINCT event_pk FROM direct
              ),
              direct_events AS MATERIALIZED (
                SELECT e.id, e.event_time, ${STEP_RANK} AS step_rank
                FROM direct_event_ids i JOIN epcis_event e ON e.id = i.event_pk AND e.error_declaration IS NULL
              ),
              candidates AS (
                SELECT d.lot_no, d.n, d.event_pk, de.event_time, de.step_rank
                FROM direct d JOIN direct_events de ON de.id = d.event_pk
                UNION ALL
                SELECT f.lot_no, f.n, wb.event_pk, wb.event_time, wb.step_rank
                FROM first_stays f JOIN window_best wb ON wb.root = f.root
              ),
              best AS (
                SELECT DISTINCT ON (lot_no, n) lot_no, n, event_pk, event_time, step_rank
                FROM candidates ORDER BY lot_no, n, event_time DESC, step_rank DESC, event_pk DESC
              )`;
}

/** A lot and its commissioned serials, as the recall query takes them. */
type LotSerials = { gtin: string; serials: readonly string[] };

/**
 * The lots' units as a `subjects(lot_no, n, subject_key)` CTE body. The serials travel as one text per
 * lot (not an array of keys), and the units are numbered so that the statement joins and sorts numbers.
 */
function subjectsOf(lots: ReadonlyArray<LotSerials>): SQL {
  const gtins = lots.map((l) => l.gtin);
  const texts = lots.map((l) => l.serials.map((s) => encodeDigitalLinkValue(s)).join('\n'));
  return sql`SELECT l.lot_no, u.n, '/01/' || l.gtin || '/21/' || u.s AS subject_key
             FROM unnest(${sql.param(gtins)}::text[], ${sql.param(texts)}::text[]) WITH ORDINALITY AS l(gtin, serials, lot_no)
             CROSS JOIN LATERAL unnest(string_to_array(l.serials, E'\\n')) WITH ORDINALITY AS u(s, n)`;
}

/**
 * The same `subjects(lot_no, n, subject_key)` body for the position-table query, one SELECT per lot with
 * the lot's serial text as its own parameter. The planner then folds `string_to_array` of it into a
 * constant and knows how many units the lot has: for a 100,000-unit lot it hashes the position table and
 * the events (two sequential scans) instead of probing their indexes 100,000 and 57,707 times, which
 * is what it did when the serials came out of an unnest over the lots (estimated at 10 rows). A lot of
 * ten units still gets the index probes.
 */
function subjectsByLot(lots: ReadonlyArray<LotSerials>): SQL {
  return sql.join(
    lots.map(
      (l, i) => sql`SELECT ${sql.raw(String(i + 1))}::bigint AS lot_no, u.n, '/01/' || ${l.gtin}::text || '/21/' || u.s AS subject_key
                    FROM unnest(string_to_array(${l.serials.map((s) => encodeDigitalLinkValue(s)).join('\n')}::text, E'\\n')) WITH ORDINALITY AS u(s, n)`,
    ),
    sql` UNION ALL `,
  );
}

/**
 * The deciding events, by class: for `decided(lot_no, event_pk, units)` (each deciding event with the
 * units it decides, their numbers space-separated), one row per lot and event class, with the class's
 * events.
 *
 * What an event says about where goods are depends only on its owner, step, disposition, locations and
 * destinations, and a lot's deciding events share a handful of those (a dispenser's 57,707 deciding
 * events of a 100,000-unit lot fall into about 150 classes). So the node reads and classifies each class
 * once, and per event receives just its ID, its time (ms since the epoch) and its units, as three texts
 * per class: IDs and times space-separated (event IDs are URIs: they hold no whitespace), the events'
 * unit lists comma-separated. The three aggregates of a group read its rows in one order, so the texts
 * line up event by event. A row per event (57,707 rows of twelve columns for that lot) cost the node
 * more than the statement: the driver's parsing, and the objects it made for the garbage collector
 * (bench/results/recall-class-rows-2026-11-29.md). The class GROUP BY is hashed: a lot's classes are
 * few, and no sort is needed (positionsOfLots keeps the planner from choosing one). The aggregates take
 * no ORDER BY: PostgreSQL 15 cannot hash a grouping whose aggregates sort.
 */
const DECIDED_CLASSES = sql`SELECT d.lot_no, e.owner_gln, e.biz_step, e.disposition, e.biz_location, e.read_point,
                                   e.destinations::text AS destinations,
                                   string_agg(e.event_id, ' ') AS ids,
                                   string_agg(floor(extract(epoch FROM e.event_time) * 1000)::bigint::text, ' ') AS ats,
                                   string_agg(d.units, ',') AS units
                            FROM decided d JOIN epcis_event e ON e.id = d.event_pk
                            GROUP BY d.lot_no, e.owner_gln, e.biz_step, e.disposition, e.biz_location, e.read_point, e.destinations`;

/**
 * One lot's deciding events, column by column (LotDecisions), from its rows of a DECIDED_CLASSES
 * statement. The texts are read in place: IDs split once (they are the answer), times and unit numbers
 * parsed digit by digit, so a 100,000-unit lot costs no string or object per unit.
 */
function decisionsFromRows(lot: LotSerials, rows: ReadonlyArray<Record<string, unknown>>): LotDecisions {
  const units = lot.serials.length;
  const d: LotDecisions = { classes: [], ids: [], at: [], cls: [], unit: new Array<number>(units).fill(-1) };
  for (const r of rows) {
    const c = d.classes.length;
    d.classes.push({
      owner: r.owner_gln as string,
      bizStep: (r.biz_step as string | null) ?? null,
      disposition: (r.disposition as string | null) ?? null,
      bizLocation: (r.biz_location as string | null) ?? null,
      readPoint: (r.read_point as string | null) ?? null,
      destinations: JSON.parse((r.destinations as string | null) ?? '[]') as SourceOrDestination[],
    });
    const first = d.ids.length;
    for (const id of (r.ids as string).split(' ')) {
      d.ids.push(id);
      d.cls.push(c);
    }
    const where = `class ${c + 1} of lot ${String(r.lot_no)}`;
    const times = readNumbers(r.ats as string, 32, where, (n) => d.at.push(n));
    let ev = first;
    const lists = readNumbers(r.units as string, 44, where, (n) => {
      if (n < 1 || n > units) throw new Error(`${where}: unit ${n} is outside the lot's unit index of ${units}`);
      d.unit[n - 1] = ev;
    }, () => (ev += 1));
    const events = d.ids.length - first;
    if (times !== events || lists !== events) {
      throw new Error(`${where}: ${events} event IDs, ${times} times and ${lists} unit lists in the statement's answer`);
    }
  }
  return d;
}

/**
 * Reads the integers of a text made of digits, minus signs, spaces and `separator` characters, calling
 * `number` for each; `next` is called at each separator. Returns how many separated parts the text has
 * (1 for a text without separators). Anything else in the text is an error naming `where`. (Times before
 * 1970 are negative; unit numbers never are, and their callback checks the range.)
 */
export function readNumbers(text: string, separator: number, where: string, number: (n: number) => void, next?: () => void): number {
  let parts = 1;
  let n = 0;
  let digits = 0;
  let negative = false;
  for (let i = 0; i <= text.length; i += 1) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      digits += 1;
      continue;
    }
    if (c === 45 && digits === 0 && !negative) {
      negative = true;
      continue;
    }
    if (digits > 0) number(negative ? -n : n);
    else if (negative) throw new Error(`${where}: a minus sign without digits at ${i} in the statement's answer`);
    n = 0;
    digits = 0;
    negative = false;
    if (c === separator && i < text.length) {
      parts += 1;
      next?.();
    } else if (c !== 32) {
      throw new Error(`${where}: unexpected character ${JSON.stringify(text[i])} at ${i} in the statement's answer`);
    }
  }
  return parts;
}

/**
 * Lot-level queries for investigations: where each unit of whole lots is, as this node recorded it.
 * One statement for any number of lots and units, so a recall over a 100,000-unit lot costs each node
 * one round trip, whatever the lot's size.
 */
export function createWhereaboutsRepository(db: Executor) {
  return {
    /**
     * The latest event this node recorded for every unit of each lot, derived from the whole history:
     * events naming the unit, and events naming a case or pallet while it was inside. At one instant a
     * departure counts as later than an arrival (goods arrive, then leave); retracted events are
     * skipped. Returns, per lot, the deciding events, each with the serials it decides. This is the
     * definition the position table (positions-store.ts) is kept equal to, and what tests check it by.
     *
     * Built for size: units are numbered and joined and sorted by number; containers are resolved once
     * per stay (the units of a case share its events) with an index probe per stay; and the answer comes
     * back grouped by event, so the rows number the events, not the units. JIT compilation, which costs
     * more than it saves on this one-off statement, is switched off for it, and its sorts get the memory
     * to stay out of temporary files.
     */
    async latestEventsOfLots(lots: ReadonlyArray<LotSerials>): Promise<LotDecisions[]> {
      if (lots.every((l) => l.serials.length === 0)) return lots.map((l) => decisionsFromRows(l, []));
      const rows = await db.transaction(async (tx) => {
        await tx.execute(sql`SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true)`);
        return queryRows<Record<string, unknown>>(
          tx,
          sql`WITH RECURSIVE subjects AS MATERIALIZED (${subjectsOf(lots)}),
              ${latestOfSubjects()},
              decided AS (
                SELECT lot_no, event_pk, string_agg(n::text, ' ') AS units FROM best GROUP BY lot_no, event_pk
              )
              ${DECIDED_CLASSES}`,
        );
      });
      return lots.map((l, i) => decisionsFromRows(l, rows.filter((r) => Number(r.lot_no) === i + 1)));
    },

    /**
     * The same answer as latestEventsOfLots, read from the position table capture keeps current (each
     * unit looked up once, no history walk). A node whose table was never filled (an upgraded node, or
     * one bulk-loaded around capture) fills it from history first, once.
     */
    async positionsOfLots(lots: ReadonlyArray<LotSerials>): Promise<LotDecisions[]> {
      if (lots.every((l) => l.serials.length === 0)) return lots.map((l) => decisionsFromRows(l, []));
      await ensureUnitPositions(db);
      const rows = await db.transaction(async (tx) => {
        // No sort nodes: every step hashes (the unit and event joins, the class grouping). Left alone, the
        // planner sorts for the class GROUP BY: it budgets for each group's aggregates and guesses some
        // thousands of classes, so it expects the hash table to spill, while a lot's classes are few (150
        // for the dispenser's 57,707 deciding events of a 100,000-unit lot).
        // random_page_cost 1.1: a node's tables are in memory, so an index probe costs about what a page
        // of a sequential scan does. With the default 4, a 100,000-unit lot in a 1,000,000-unit network
        // hashed the whole position and event tables; probing for the lot's units took 0.69x the time
        // through the gateway, and a lot that is most of its network still hashes
        // (bench/results/recall-class-rows-2026-11-29.md).
        await tx.execute(
          sql`SELECT set_config('jit', 'off', true), set_config('work_mem', '256MB', true), set_config('enable_sort', 'off', true), set_config('random_page_cost', '1.1', true)`,
        );
        return queryRows<Record<string, unknown>>(
          tx,
          sql`WITH subjects AS MATERIALIZED (${subjectsByLot(lots)}),
              decided AS (
                SELECT s.lot_no, p.event_pk, string_agg(s.n::text, ' ') AS units
                FROM subjects s JOIN unit_position p ON p.unit_key = s.subject_key
                GROUP BY s.lot_no, p.event_pk
              )
              ${DECIDED_CLASSES}`,
        );
      });
      return lots.map((l, i) => decisionsFromRows(l, rows.filter((r) => Number(r.lot_no) === i + 1)));
    },
  };
}

export type WhereaboutsRepository = ReturnType<typeof createWhereaboutsRepository>;
