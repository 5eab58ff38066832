import { createCoreLoaders } from '@tracefed/kit/graphql/loaders';
import type { Repository } from './repository.ts';

/** Per-request DataLoaders for the dispenser node. */
export function createLoaders(repo: Repository) {
  return { ...createCoreLoaders(repo) };
}

export type Loaders = ReturnType<typeof createLoaders>;
