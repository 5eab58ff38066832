import DataLoader from 'dataloader';
import { createCoreLoaders, groupInOrder } from '@tracefed/kit/graphql/loaders';
import { readingsOf } from './readings.ts';
import type { CarrierEvent } from './transit.ts';
import type { Repository } from './repository.ts';

/** Per-request DataLoaders for the logistics node. */
export function createLoaders(repo: Repository) {
  return {
    ...createCoreLoaders(repo),
    /**
     * The carriers' events by what they carried (case, pallet or pack key), with their readings: the
     * cases and pallets of every unit in a request cost one statement.
     */
    carrierEventsByKey: new DataLoader<string, CarrierEvent[]>(async (keys) => {
      const rows = await repo.carrierEvents(keys);
      const events = rows.map(
        (r): CarrierEvent => ({
          eventID: r.eventId,
          carrier: r.owner,
          key: r.key,
          eventTime: r.eventTime,
          bizStep: r.bizStep,
          readPoint: r.readPoint,
          sources: r.sources,
          destinations: r.destinations,
          readings: readingsOf({ eventID: r.eventId, eventTime: r.eventTime, sensorElementList: r.sensorElementList, context: r.context }),
        }),
      );
      return groupInOrder(keys, events, (e) => e.key);
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
