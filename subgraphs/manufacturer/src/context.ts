import type { Identity } from '@tracefed/kit/auth/identity';
import type { Database } from '@tracefed/kit/db/connection';
import { ingestDocument, type IngestResult } from '@tracefed/kit/epcis/ingest';
import type { NodeContext } from '@tracefed/kit/graphql/resolvers';
import { createLoaders, type Loaders } from './loaders.ts';
import { createRepository, type Repository } from './repository.ts';

export interface Context extends NodeContext {
  loaders: Loaders;
  repository: Repository;
  /** Captures an EPCIS document into this node's event store (a recall, for instance). */
  capture(owner: string, document: unknown): Promise<IngestResult>;
}

/** A fresh context per request: new DataLoaders, so nothing is cached across requests or callers. */
export function createContext(database: Database, identity: Identity): Context {
  const repository = createRepository(database.db);
  return {
    node: 'MANUFACTURER',
    identity,
    loaders: createLoaders(repository),
    repository,
    capture: (owner, document) => ingestDocument(database.db, { owner, document }),
  };
}
