import { lotPositionTable } from '@tracefed/kit/graphql/whereabouts';
import type { Context } from '../context.ts';

interface LotRef {
  gtin: string;
  lotNumber: string;
  /** The lot's commissioned serials, from the manufacturer (@requires). */
  recallIndex?: string;
}

export const Lot = {
  __resolveReference: (ref: LotRef): LotRef => ref,
  /** This node's latest event for every unit of the lot: one statement, whatever the lot's size. */
  distributorPositions: (lot: LotRef, _: unknown, ctx: Context) => lotPositionTable(ctx, ctx.loaders.latestByLot, lot, lot.recallIndex),
};
