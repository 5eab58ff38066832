import { unitKey } from '@tracefed/kit/gs1/index';
import { requireAccess } from '@tracefed/kit/auth/access';
import { nodeCustody, storedEventParties } from '@tracefed/kit/graphql/resolvers';
import type { Context } from '../context.ts';
import { isDecommissioning, isDispense, presentDecommissioning, presentDispense } from '../dispense.ts';

interface UnitRef {
  gtin: string;
  serial: string;
}

const events = (unit: UnitRef, ctx: Context) => ctx.loaders.eventsBySubjectKey.load(unitKey(unit.gtin, unit.serial));

export const SerializedUnit = {
  __resolveReference: (ref: UnitRef): UnitRef => ({ gtin: ref.gtin, serial: ref.serial }),
  dispenserCustody: (unit: UnitRef, _: unknown, ctx: Context) => nodeCustody(ctx, unitKey(unit.gtin, unit.serial)),
  /** The dispensing partner and regulators: decided by who recorded the dispense. */
  async dispense(unit: UnitRef, _: unknown, ctx: Context) {
    const event = (await events(unit, ctx)).find(isDispense);
    if (!event) return null;
    requireAccess(ctx.identity, 'SerializedUnit.dispense', { dispenser: event.owner });
    return presentDispense(ctx, event, unit);
  },
  /**
   * Custody data, answered from this node's records alone (it has no @requires): the partners its own
   * events name decide, with the unit's manufacturer, investigators and regulators. Decided whether or
   * not the unit was decommissioned, so a refusal says nothing of it.
   */
  async decommissioning(unit: UnitRef, _: unknown, ctx: Context) {
    const own = await events(unit, ctx);
    requireAccess(ctx.identity, 'SerializedUnit.decommissioning', { gtin: unit.gtin, partiesInvolved: storedEventParties(own) });
    const event = own.find(isDecommissioning);
    return event ? presentDecommissioning(ctx, event) : null;
  },
};
