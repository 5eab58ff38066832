import { requireAccess } from '@tracefed/kit/auth/access';
import type { Context } from '../context.ts';
import { legParties, presentExcursion, presentLeg, unitExcursions, unitLegs, type UnitRef } from '../carriage.ts';

export const SerializedUnit = {
  // The representation is passed through whole: with @requires it carries the stays and the storage conditions.
  __resolveReference: (ref: UnitRef): UnitRef => ref,
  /**
   * Custody data, decided on this node's records: the carriers and the partners the legs name, with
   * the pack's manufacturer, investigators and regulators. Decided whether or not the pack was carried,
   * so a refusal says nothing of it.
   */
  async transit(unit: UnitRef, _: unknown, ctx: Context) {
    const legs = await unitLegs(ctx, unit, 'transit');
    requireAccess(ctx.identity, 'SerializedUnit.transit', { gtin: unit.gtin, partiesInvolved: legParties(legs) });
    return Promise.all(legs.map((leg) => presentLeg(ctx, leg)));
  },
  async temperatureExcursions(unit: UnitRef, _: unknown, ctx: Context) {
    const legs = await unitLegs(ctx, unit, 'temperatureExcursions');
    requireAccess(ctx.identity, 'SerializedUnit.temperatureExcursions', { gtin: unit.gtin, partiesInvolved: legParties(legs) });
    return Promise.all(unitExcursions(unit, legs).map((x) => presentExcursion(ctx, x)));
  },
  /**
   * The same excursions without the custody check: an @inaccessible input of the manufacturer's
   * signals, which decide what a caller sees of them (a verification is for any partner, its evidence
   * is custody data).
   */
  async coldChainExcursions(unit: UnitRef, _: unknown, ctx: Context) {
    const legs = await unitLegs(ctx, unit, 'coldChainExcursions');
    return Promise.all(unitExcursions(unit, legs).map((x) => presentExcursion(ctx, x)));
  },
};
