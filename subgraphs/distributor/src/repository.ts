import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '@tracefed/kit/db/connection';
import { createWhereaboutsRepository } from '@tracefed/kit/epcis/whereabouts';
import {
  createEventRepository,
  EVENT_COLUMNS,
  toStoredEvent,
  type RawEvent,
  type StoredEvent,
} from '@tracefed/kit/epcis/repository';

export interface HoldingRow {
  holder: string;
  epcKey: string;
  since: Date;
  location: string | null;
  receiptEventId: string;
}

/** The distributor's queries: the shared event store plus the holdings view. */
export function createRepository(db: Executor) {
  return {
    ...createEventRepository(db),
    ...createWhereaboutsRepository(db),
    /**
     * What each distributor holds now: identifiers it received whose latest receipt is not followed by
     * its own shipment of them, nor by unpacking (for containers).
     */
    async holdingsOf(glns: readonly string[]): Promise<HoldingRow[]> {
      if (glns.length === 0) return [];
      const rows = await queryRows<Record<string, unknown>>(
        db,
        sql`WITH received AS (
              SELECT DISTINCT ON (e.owner_gln, x.epc_key) e.owner_gln, x.epc_key, e.event_time, e.biz_location, e.event_id
              FROM epcis_event e JOIN event_epc x ON x.event_pk = e.id AND x.role = 'epc'
              WHERE e.owner_gln = ANY(${sql.param([...glns])}::text[]) AND e.biz_step = 'receiving' AND e.error_declaration IS NULL
              ORDER BY e.owner_gln, x.epc_key, e.event_time DESC
            )
            SELECT r.owner_gln, r.epc_key, r.event_time, r.biz_location, r.event_id FROM received r
            WHERE NOT EXISTS (
              SELECT 1 FROM event_epc y JOIN epcis_event s ON s.id = y.event_pk
              WHERE y.epc_key = r.epc_key AND s.owner_gln = r.owner_gln AND s.event_time >= r.event_time
                AND s.error_declaration IS NULL
                AND ((s.biz_step = 'shipping' AND y.role = 'epc') OR (s.action = 'DELETE' AND y.role = 'parent'))
            )
            ORDER BY r.owner_gln, r.event_time, r.epc_key`,
      );
      return rows.map((r) => ({
        holder: r.owner_gln as string,
        epcKey: r.epc_key as string,
        since: new Date(r.event_time as string),
        location: (r.biz_location as string | null) ?? null,
        receiptEventId: r.event_id as string,
      }));
    },
    /** Shipping events that carry an invoice (the sales view), newest first; optionally one seller's. */
    async saleEvents(owner: string | null, limit: number): Promise<StoredEvent[]> {
      const rows = await queryRows<RawEvent>(
        db,
        sql`SELECT ${EVENT_COLUMNS} FROM epcis_event e
            WHERE e.biz_step = 'shipping' AND e.error_declaration IS NULL
              AND e.biz_transactions @> '[{"type": "inv"}]'::jsonb
              AND (${owner}::text IS NULL OR e.owner_gln = ${owner})
            ORDER BY e.event_time DESC LIMIT ${limit}`,
      );
      return rows.map(toStoredEvent);
    },
    /**
     * Sales (shipping events with an invoice) in [from, to) that carried units of the product, named
     * directly or inside the cases and pallets shipped, with how many of its units each carried.
     */
    async productSales(gtin: string, from: Date, to: Date): Promise<Array<StoredEvent & { units: number }>> {
      const rows = await queryRows<RawEvent>(
        db,
        sql`WITH RECURSIVE sales AS (
              SELECT e.id, e.event_time FROM epcis_event e
              WHERE e.biz_step = 'shipping' AND e.error_declaration IS NULL
                AND e.biz_transactions @> '[{"type": "inv"}]'::jsonb
                AND e.event_time >= ${from.toISOString()} AND e.event_time < ${to.toISOString()}
            ),
            contents(sale_pk, event_time, key, depth) AS (
              SELECT s.id, s.event_time, x.epc_key, 0
              FROM sales s JOIN event_epc x ON x.event_pk = s.id AND x.role = 'epc'
              UNION ALL
              SELECT c.sale_pk, c.event_time, k.child_key, c.depth + 1
              FROM contents c JOIN containment k ON k.parent_key = c.key
                AND k.valid_from <= c.event_time AND (k.valid_to IS NULL OR k.valid_to > c.event_time)
              WHERE c.depth < 8
            ),
            units AS (
              SELECT sale_pk, count(DISTINCT key) AS units FROM contents
              WHERE key LIKE ${`/01/${gtin}/21/%`}
              GROUP BY sale_pk
            )
            SELECT u.units, ${EVENT_COLUMNS} FROM units u JOIN epcis_event e ON e.id = u.sale_pk
            ORDER BY e.event_time, e.id`,
      );
      return rows.map((r) => ({ ...toStoredEvent(r), units: Number(r.units) }));
    },
  };
}

export type Repository = ReturnType<typeof createRepository>;
