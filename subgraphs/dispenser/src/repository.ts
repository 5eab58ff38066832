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

/** The dispenser's queries: the shared event store plus the dispense register. */
export function createRepository(db: Executor) {
  return {
    ...createEventRepository(db),
    ...createWhereaboutsRepository(db),
    /** One dispenser's dispensing events with the unit each names, newest first. */
    async dispensesOf(gln: string, limit: number): Promise<Array<StoredEvent & { gtin: string; serial: string }>> {
      const rows = await queryRows<RawEvent>(
        db,
        sql`SELECT x.gtin, x.serial, ${EVENT_COLUMNS}
            FROM epcis_event e JOIN event_epc x ON x.event_pk = e.id AND x.role = 'epc' AND x.serial IS NOT NULL
            WHERE e.owner_gln = ${gln} AND e.biz_step = 'dispensing' AND e.error_declaration IS NULL
            ORDER BY e.event_time DESC, x.serial LIMIT ${limit}`,
      );
      return rows.map((r) => ({ ...toStoredEvent(r), gtin: r.gtin as string, serial: r.serial as string }));
    },
    /** Every dispensing event naming any of the units, by dispenser and time. */
    async dispensesOfUnits(unitKeys: readonly string[]): Promise<Array<StoredEvent & { unitKey: string; gtin: string; serial: string }>> {
      if (unitKeys.length === 0) return [];
      const rows = await queryRows<RawEvent>(
        db,
        sql`SELECT x.epc_key, x.gtin, x.serial, ${EVENT_COLUMNS}
            FROM event_epc x JOIN epcis_event e ON e.id = x.event_pk
            WHERE x.epc_key = ANY(${sql.param([...unitKeys])}::text[]) AND x.role = 'epc' AND e.error_declaration IS NULL
              AND (e.biz_step = 'dispensing' OR e.disposition IN ('dispensed', 'partially_dispensed'))
            ORDER BY e.owner_gln, e.event_time, x.serial`,
      );
      return rows.map((r) => ({ ...toStoredEvent(r), unitKey: r.epc_key as string, gtin: r.gtin as string, serial: r.serial as string }));
    },
  };
}

export type Repository = ReturnType<typeof createRepository>;
