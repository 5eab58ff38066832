import { parseUnitIndex, positionTable } from '@tracefed/kit/graphql/whereabouts';
import type { Context } from '../context.ts';

interface LotRef {
  gtin: string;
  lotNumber: string;
  /** The lot's commissioned serials, from the manufacturer (@requires). */
  unitIndex?: string;
}

export const Lot = {
  __resolveReference: (ref: LotRef): LotRef => ref,
  /** This node's latest event for every unit of the lot: one statement, whatever the lot's size. */
  async distributorPositions(lot: LotRef, _: unknown, ctx: Context) {
    const serials = parseUnitIndex(lot.unitIndex);
    const latest = await ctx.loaders.latestByLot.load({ gtin: lot.gtin, lot: lot.lotNumber, serials });
    return positionTable(ctx, latest);
  },
};
