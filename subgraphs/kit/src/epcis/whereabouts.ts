import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../db/connection.ts';
import { encodeDigitalLinkValue } from '../gs1/index.ts';
import type { LatestEvent, LatestEventGroup } from '../investigations/positions.ts';
import type { SourceOrDestination } from './types.ts';

/** Containment chains deeper than this are treated as data errors, as in the custody views. */
const MAX_NESTING = 8;

const STEP_RANK = sql.raw(
  `CASE WHEN e.biz_step IN ('shipping', 'departing') THEN 2 WHEN e.biz_step IN ('receiving', 'accepting', 'arriving') THEN 0 ELSE 1 END`,
);

/**
 * Lot-level queries for investigations: where each unit of whole lots is, as this node recorded it.
 * One statement for any number of lots and units, so a recall over a 100,000-unit lot costs each node
 * one round trip, whatever the lot's size.
 */
export function createWhereaboutsRepository(db: Executor) {
  return {
    /**
     * The latest event this node recorded for every unit of each lot: events naming the unit, and events
     * naming a case or pallet while it was inside. At one instant a departure counts as later than an
     * arrival (goods arrive, then leave); retracted events are skipped. Returns, per lot, the deciding
     * events, each with the serials it decides.
     *
     * Built for size: the serials travel as one text per lot (not an array of keys); units are numbered
     * and joined and sorted by number; containers are resolved once per stay (the units of a case share
     * its events) with an index probe per stay; and the answer comes back grouped by event, so the rows
     * number the events, not the units. JIT compilation, which costs more than it saves on this one-off
     * statement, is switched off for it, and its sorts get the memory to stay out of temporary files.
     */
    async latestEventsOfLots(lots: ReadonlyArray<{ gtin: string; serials: readonly string[] }>): Promise<LatestEventGroup[][]> {
      const out: LatestEventGroup[][] = lots.map(() => []);
      if (lots.every((l) => l.serials.length === 0)) return out;
      const gtins = lots.map((l) => l.gtin);
      const texts = lots.map((l) => l.serials.map((s) => encodeDigitalLinkValue(s)).join('\n'));
      const rows = await db.transaction(async (tx) => {
        await tx.execute(sql`SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true)`);
        return queryRows<Record<string, unknown>>(
          tx,
          sql`WITH RECURSIVE subjects AS MATERIALIZED (
                SELECT l.lot_no, u.n, '/01/' || l.gtin || '/21/' || u.s AS subject_key
                FROM unnest(${sql.param(gtins)}::text[], ${sql.param(texts)}::text[]) WITH ORDINALITY AS l(gtin, serials, lot_no)
                CROSS JOIN LATERAL unnest(string_to_array(l.serials, E'\\n')) WITH ORDINALITY AS u(s, n)
              ),
              first_stays AS MATERIALIZED (
                SELECT s.lot_no, s.n, c.parent_key AS container_key, c.valid_from,
                       COALESCE(c.valid_to, 'infinity'::timestamptz) AS valid_to
                FROM subjects s JOIN containment c ON c.child_key = s.subject_key
              ),
              windows(container_key, valid_from, valid_to, root, depth) AS (
                SELECT container_key, valid_from, valid_to, row_number() OVER (), 1
                FROM (SELECT DISTINCT container_key, valid_from, valid_to FROM first_stays) f
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
              window_best AS (
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
                FROM first_stays f
                JOIN windows w ON w.depth = 1 AND w.container_key = f.container_key
                  AND w.valid_from = f.valid_from AND w.valid_to = f.valid_to
                JOIN window_best wb ON wb.root = w.root
              ),
              best AS (
                SELECT DISTINCT ON (lot_no, n) lot_no, n, event_pk
                FROM candidates ORDER BY lot_no, n, event_time DESC, step_rank DESC, event_pk DESC
              ),
              decided AS (
                SELECT lot_no, event_pk, string_agg(n::text, ' ') AS units FROM best GROUP BY lot_no, event_pk
              )
              SELECT d.lot_no, d.units, e.event_id, e.owner_gln, e.event_time, e.biz_step,
                     e.disposition, e.biz_location, e.read_point, e.destinations
              FROM decided d JOIN epcis_event e ON e.id = d.event_pk`,
        );
      });
      for (const r of rows) {
        const lot = lots[Number(r.lot_no) - 1];
        if (!lot) continue;
        const event: LatestEvent = {
          eventId: r.event_id as string,
          owner: r.owner_gln as string,
          eventTime: new Date(r.event_time as string),
          bizStep: (r.biz_step as string | null) ?? null,
          disposition: (r.disposition as string | null) ?? null,
          bizLocation: (r.biz_location as string | null) ?? null,
          readPoint: (r.read_point as string | null) ?? null,
          destinations: (typeof r.destinations === 'string' ? JSON.parse(r.destinations) : r.destinations) as SourceOrDestination[],
        };
        const serials = (r.units as string).split(' ').map((n) => lot.serials[Number(n) - 1] as string);
        out[Number(r.lot_no) - 1]!.push({ event, serials });
      }
      return out;
    },
  };
}

export type WhereaboutsRepository = ReturnType<typeof createWhereaboutsRepository>;
