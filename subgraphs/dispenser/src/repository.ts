import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '@tracefed/kit/db/connection';
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
  };
}

export type Repository = ReturnType<typeof createRepository>;
