import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '@tracefed/kit/db/connection';
import { createEventRepository, EVENT_COLUMNS, toStoredEvent, type RawEvent, type StoredEvent } from '@tracefed/kit/epcis/repository';

/** A carrier's event naming one of the keys asked about, with its sensor data as captured. */
export interface CarrierEventRow extends StoredEvent {
  /** The key (case, pallet or pack) the event named. */
  key: string;
  sensorElementList: unknown;
  context: unknown;
}

/** The logistics node's queries: the shared event store plus the carriers' events by what they carried. */
export function createRepository(db: Executor) {
  return {
    ...createEventRepository(db),
    /**
     * Every event naming any of the keys in its epcList (the carriers' pickups, deliveries and sensor
     * reports), oldest first, with the sensor data and @context of the stored document: readings are
     * read from the system of record, not from a copy.
     */
    async carrierEvents(keys: readonly string[]): Promise<CarrierEventRow[]> {
      if (keys.length === 0) return [];
      const rows = await queryRows<RawEvent>(
        db,
        sql`SELECT x.epc_key AS subject_key, e.document->'sensorElementList' AS sensor_elements, e.document->'@context' AS context,
              ${EVENT_COLUMNS}
            FROM event_epc x JOIN epcis_event e ON e.id = x.event_pk
            WHERE x.epc_key = ANY(${sql.param([...keys])}::text[]) AND x.role = 'epc' AND e.error_declaration IS NULL
            ORDER BY e.event_time, e.id`,
      );
      return rows.map((r) => ({
        ...toStoredEvent(r),
        key: r.subject_key as string,
        sensorElementList: r.sensor_elements ?? null,
        context: r.context ?? null,
      }));
    },
  };
}

export type Repository = ReturnType<typeof createRepository>;
