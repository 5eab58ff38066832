import DataLoader from 'dataloader';
import { createCoreLoaders, groupInOrder } from '@tracefed/kit/graphql/loaders';
import { createLatestByLotLoader } from '@tracefed/kit/graphql/whereabouts';
import type { HoldingRow, Repository } from './repository.ts';

/** Per-request DataLoaders for the distributor node. */
export function createLoaders(repo: Repository) {
  return {
    ...createCoreLoaders(repo),
    holdingsByGln: new DataLoader<string, HoldingRow[]>(async (glns) =>
      groupInOrder(glns, await repo.holdingsOf(glns), (h) => h.holder),
    ),
    /** The latest event this node recorded for every unit of each lot. */
    latestByLot: createLatestByLotLoader(repo),
    /** Sales of a product in a period, keyed by product and period. */
    salesOfProduct: new DataLoader<{ gtin: string; from: Date; to: Date }, Awaited<ReturnType<Repository['productSales']>>, string>(
      (keys) => Promise.all(keys.map((k) => repo.productSales(k.gtin, k.from, k.to))),
      { cacheKeyFn: (k) => `${k.gtin}|${k.from.toISOString()}|${k.to.toISOString()}` },
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
