import DataLoader from 'dataloader';
import type { ContainerStay, EventAnomalyRow, EventRepository, UnitEvent, VocabularyRow } from '../epcis/repository.ts';

/** Groups rows by key and returns one bucket per requested key, in key order (DataLoader's contract). */
export function groupInOrder<K, R>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K): R[][] {
  const buckets = new Map<K, R[]>();
  for (const key of keys) buckets.set(key, []);
  for (const row of rows) buckets.get(keyOf(row))?.push(row);
  return keys.map((key) => buckets.get(key) ?? []);
}

/** Returns one row or null per requested key, in key order. */
export function oneInOrder<K, R>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K): Array<R | null> {
  const byKey = new Map<K, R>();
  for (const row of rows) byKey.set(keyOf(row), row);
  return keys.map((key) => byKey.get(key) ?? null);
}

/**
 * Per-request DataLoaders over the shared event store. A request that asks about a thousand units
 * costs one statement per loader, not one per unit; master data costs none once this process holds it.
 */
export function createCoreLoaders(repo: EventRepository) {
  return {
    eventsBySubjectKey: new DataLoader<string, UnitEvent[]>(async (keys) =>
      groupInOrder(keys, await repo.eventsFor(keys), (e) => e.subjectKey),
    ),
    containersBySubjectKey: new DataLoader<string, ContainerStay[]>(async (keys) =>
      groupInOrder(keys, await repo.containersOf(keys), (c) => c.subjectKey),
    ),
    /**
     * Master data (parties, locations, products, lots) read through the process's cache of this
     * database, which capture clears whenever it stores master data (epcis/masterDataCache.ts).
     */
    vocabularyByKey: new DataLoader<string, VocabularyRow | null>((keys) => repo.masterData(keys)),
    anomaliesByEventPk: new DataLoader<number, EventAnomalyRow[]>(async (pks) =>
      groupInOrder(pks, await repo.anomaliesOf(pks), (a) => a.eventPk),
    ),
  };
}

export type CoreLoaders = ReturnType<typeof createCoreLoaders>;
