import type { Database } from '@tracefed/kit/db/connection';
import type { NodeContext } from '@tracefed/kit/graphql/resolvers';
import { createLoaders, type Loaders } from './loaders.ts';
import { createRepository } from './repository.ts';

export interface Context extends NodeContext {
  loaders: Loaders;
}

/** A fresh context per request: new DataLoaders, so nothing is cached across requests or callers. */
export function createContext(database: Database): Context {
  return { node: 'MANUFACTURER', loaders: createLoaders(createRepository(database.db)) };
}
