import type { Identity } from '@tracefed/kit/auth/identity';
import type { Database } from '@tracefed/kit/db/connection';
import type { NodeContext } from '@tracefed/kit/graphql/resolvers';
import { createLoaders, type Loaders } from './loaders.ts';
import { createRepository, type Repository } from './repository.ts';

export interface Context extends NodeContext {
  loaders: Loaders;
  repository: Repository;
}

/** A fresh context per request: new DataLoaders, so nothing is cached across requests or callers. */
export function createContext(database: Database, identity: Identity): Context {
  const repository = createRepository(database.db);
  return { node: 'DISTRIBUTOR', identity, loaders: createLoaders(repository), repository };
}
