import { unitKey } from '@tracefed/kit/gs1/index';
import { nodeCustody } from '@tracefed/kit/graphql/resolvers';
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
  async dispense(unit: UnitRef, _: unknown, ctx: Context) {
    const event = (await events(unit, ctx)).find(isDispense);
    return event ? presentDispense(ctx, event, unit) : null;
  },
  async decommissioning(unit: UnitRef, _: unknown, ctx: Context) {
    const event = (await events(unit, ctx)).find(isDecommissioning);
    return event ? presentDecommissioning(ctx, event) : null;
  },
};
