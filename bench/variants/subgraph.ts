/**
 * Experiment: a node exactly as its main.ts runs it, except that with MASTER_DATA_CACHE=1 master data
 * (parties, locations, products: the vocabulary elements every presented event names) is kept in a
 * process-wide map instead of being read again by every request. Still one DataLoader per request,
 * which now reads only the keys it has not seen. Nothing invalidates the map here (the benchmark's
 * data does not change); a real cache would be cleared when a document with master data is captured.
 * Reads NODE (manufacturer, distributor or dispenser) and what the node's main.ts reads.
 */
import DataLoader from 'dataloader';
import { runSubgraphFromEnv } from '@tracefed/kit/server/main';
import { createEventRepository, type VocabularyRow } from '@tracefed/kit/epcis/repository';
import type { Database } from '@tracefed/kit/db/connection';
import type { Identity } from '@tracefed/kit/auth/identity';
import * as manufacturer from '@tracefed/manufacturer';
import * as distributor from '@tracefed/distributor';
import * as dispenser from '@tracefed/dispenser';

const modules = { manufacturer, distributor, dispenser } as const;
const node = process.env.NODE as keyof typeof modules;
const module = modules[node];
if (!module) throw new Error(`NODE must be manufacturer, distributor or dispenser, got ${process.env.NODE}`);

const known = new Map<string, VocabularyRow | null>();
function cachedVocabulary(database: Database) {
  const repository = createEventRepository(database.db);
  return new DataLoader<string, VocabularyRow | null>(async (keys) => {
    const missing = keys.filter((k) => !known.has(k));
    if (missing.length > 0) {
      const rows = await repository.vocabularyElements(missing);
      for (const key of missing) known.set(key, null);
      for (const row of rows) known.set(row.key, row);
    }
    return keys.map((k) => known.get(k) ?? null);
  });
}

const base = module.definition as unknown as {
  createContext: (database: Database, identity: Identity) => { loaders: { vocabularyByKey: unknown } };
};
const definition =
  process.env.MASTER_DATA_CACHE === '1'
    ? {
        ...module.definition,
        createContext: (database: Database, identity: Identity) => {
          const context = base.createContext(database, identity);
          context.loaders.vocabularyByKey = cachedVocabulary(database);
          return context;
        },
      }
    : module.definition;

await runSubgraphFromEnv(definition as never, module.migrationsFolder, 0);
