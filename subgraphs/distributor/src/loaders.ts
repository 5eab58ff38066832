import DataLoader from 'dataloader';
import { createCoreLoaders, groupInOrder } from '@tracefed/kit/graphql/loaders';
import type { HoldingRow, Repository } from './repository.ts';

/** Per-request DataLoaders for the distributor node. */
export function createLoaders(repo: Repository) {
  return {
    ...createCoreLoaders(repo),
    holdingsByGln: new DataLoader<string, HoldingRow[]>(async (glns) =>
      groupInOrder(glns, await repo.holdingsOf(glns), (h) => h.holder),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
