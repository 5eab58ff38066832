/**
 * Master data (parties, locations, products, lots: EPCIS vocabulary elements) as this process last read
 * it, one cache per database. Every presented event names a handful of elements that hardly ever change,
 * and reading them again for every request was about half of a trace's SQL statements
 * (bench/results/make-it-fast-2026-11-28.md).
 *
 * Correctness rests on one rule: whatever writes vocabulary_element calls `masterDataChanged(db)` after
 * its transaction has committed (capture does, see ingest.ts and capture.ts). That empties the database's
 * cache and starts a new generation; a read that began in an older generation hands its rows to its own
 * request but does not store them, because it may have read before the commit. So once a capture has
 * answered, every later read of this process sees its master data, including an element that a key had
 * lacked: absent keys are cached as absent under the same rule, and any capture of master data clears
 * them with the rest.
 *
 * The cache is per process. A node that ran several processes against one database would need each
 * write announced to the others (for example NOTIFY at commit); tracefed runs one process per node
 * database (docs/DEPLOYMENT.md).
 */
import type { VocabularyRow } from './repository.ts';

/** Elements kept per database; the least recently used go first. About 1 to 2 kB each. */
export const MASTER_DATA_CACHE_ENTRIES = 10_000;

export class MasterDataCache {
  /** Insertion order is recency order: a hit moves its key to the end, eviction takes the first. */
  private readonly entries = new Map<string, VocabularyRow | null>();
  private generation = 0;

  constructor(readonly maxEntries: number = MASTER_DATA_CACHE_ENTRIES) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * One element (or null when the database has none) per key, in key order. Keys not cached are read
   * with one call of `load`, which returns the rows it found (when two rows share a key, the last wins,
   * as in an uncached read).
   */
  async read(keys: readonly string[], load: (missing: string[]) => Promise<VocabularyRow[]>): Promise<Array<VocabularyRow | null>> {
    const found = new Map<string, VocabularyRow | null>();
    const missing: string[] = [];
    for (const key of keys) {
      if (found.has(key)) continue;
      const value = this.entries.get(key);
      if (value === undefined) {
        missing.push(key);
        continue;
      }
      this.entries.delete(key);
      this.entries.set(key, value);
      found.set(key, value);
    }
    if (missing.length > 0) {
      const generation = this.generation;
      const rows = await load(missing);
      const byKey = new Map<string, VocabularyRow>();
      for (const row of rows) byKey.set(row.key, freezeRow(row));
      const current = generation === this.generation;
      for (const key of missing) {
        const value = byKey.get(key) ?? null;
        found.set(key, value);
        if (current) this.remember(key, value);
      }
    }
    return keys.map((key) => found.get(key) ?? null);
  }

  /** Forgets everything and makes reads already under way keep their rows to themselves. */
  clear(): void {
    this.generation += 1;
    this.entries.clear();
  }

  private remember(key: string, value: VocabularyRow | null): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}

/**
 * Cached rows are shared by every request of the process: frozen, so that a resolver that changed one
 * would fail loudly instead of changing what other callers see.
 */
function freezeRow(row: VocabularyRow): VocabularyRow {
  return Object.freeze({ ...row, attributes: deepFreeze(row.attributes), children: Object.freeze([...row.children]) as string[] });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** Keyed by the drizzle database handle (Database.db): capture and the queries share it. */
const caches = new WeakMap<object, MasterDataCache>();

/** The process's master data cache for a database, created on first use. */
export function masterDataCacheOf(db: object): MasterDataCache {
  let cache = caches.get(db);
  if (!cache) {
    cache = new MasterDataCache();
    caches.set(db, cache);
  }
  return cache;
}

/**
 * Announces that master data of this database changed: call it after the writing transaction has
 * committed (not inside it: a read between the write and the commit would still see the old rows).
 */
export function masterDataChanged(db: object): void {
  caches.get(db)?.clear();
}
