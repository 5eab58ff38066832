import { unitKey } from '@tracefed/kit/gs1/index';
import { nodeCustody } from '@tracefed/kit/graphql/resolvers';
import type { Context } from '../context.ts';
import { isSale, presentSale } from '../sales.ts';

interface UnitRef {
  gtin: string;
  serial: string;
}

export const SerializedUnit = {
  __resolveReference: (ref: UnitRef): UnitRef => ({ gtin: ref.gtin, serial: ref.serial }),
  distributorCustody: (unit: UnitRef, _: unknown, ctx: Context) => nodeCustody(ctx, unitKey(unit.gtin, unit.serial)),
  async sales(unit: UnitRef, _: unknown, ctx: Context) {
    const events = await ctx.loaders.eventsBySubjectKey.load(unitKey(unit.gtin, unit.serial));
    return Promise.all(events.filter(isSale).map((e) => presentSale(ctx, e)));
  },
};
