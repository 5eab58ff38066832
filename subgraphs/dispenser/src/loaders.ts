import DataLoader from 'dataloader';
import { unitKey } from '@tracefed/kit/gs1/index';
import { createCoreLoaders } from '@tracefed/kit/graphql/loaders';
import { createLatestByLotLoader, type LotUnits } from '@tracefed/kit/graphql/whereabouts';
import type { Repository } from './repository.ts';

type Dispenses = Awaited<ReturnType<Repository['dispensesOfUnits']>>;

/** Per-request DataLoaders for the dispenser node. */
export function createLoaders(repo: Repository) {
  return {
    ...createCoreLoaders(repo),
    /** The latest event this node recorded for every unit of each lot. */
    latestByLot: createLatestByLotLoader(repo),
    /** Every dispense of each lot's units recorded on this node. */
    dispensesByLot: new DataLoader<LotUnits, Dispenses, string>(
      async (lots) => {
        const lotOfUnit = new Map<string, number>();
        lots.forEach((lot, i) => {
          for (const serial of lot.serials) lotOfUnit.set(unitKey(lot.gtin, serial), i);
        });
        const rows = await repo.dispensesOfUnits([...lotOfUnit.keys()]);
        const out: Dispenses[] = lots.map(() => []);
        for (const row of rows) out[lotOfUnit.get(row.unitKey) ?? -1]?.push(row);
        return out;
      },
      { cacheKeyFn: (lot) => `${lot.gtin}|${lot.lot}` },
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
