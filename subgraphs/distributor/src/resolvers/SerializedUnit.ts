import { unitKey } from '@tracefed/kit/gs1/index';
import { requireAccess } from '@tracefed/kit/auth/access';
import { nodeCustody, storedEventParties } from '@tracefed/kit/graphql/resolvers';
import type { Context } from '../context.ts';
import { isSale, presentSale } from '../sales.ts';

interface UnitRef {
  gtin: string;
  serial: string;
}

export const SerializedUnit = {
  __resolveReference: (ref: UnitRef): UnitRef => ({ gtin: ref.gtin, serial: ref.serial }),
  distributorCustody: (unit: UnitRef, _: unknown, ctx: Context) => nodeCustody(ctx, unitKey(unit.gtin, unit.serial)),
  /**
   * Who sold the unit to whom, and when: custody data, answered from this node's records alone (it has
   * no @requires), so the partners its events name decide, with the manufacturer and the authorities.
   * Each sale's terms are then guarded by the prices rule.
   */
  async sales(unit: UnitRef, _: unknown, ctx: Context) {
    const events = await ctx.loaders.eventsBySubjectKey.load(unitKey(unit.gtin, unit.serial));
    requireAccess(ctx.identity, 'SerializedUnit.sales', { gtin: unit.gtin, partiesInvolved: storedEventParties(events) });
    return Promise.all(events.filter(isSale).map((e) => presentSale(ctx, e, unit.gtin)));
  },
};
