import { requireAccess } from '@tracefed/kit/auth/access';
import { canSeeDispense } from '@tracefed/kit/auth/policy';
import { partyByGln } from '@tracefed/kit/graphql/resolvers';
import { lotPositionTable, parseUnitIndex } from '@tracefed/kit/graphql/whereabouts';
import type { Context } from '../context.ts';
import { presentDispense } from '../dispense.ts';

interface LotRef {
  gtin: string;
  lotNumber: string;
  /** The lot's commissioned serials, from the manufacturer (@requires): for patient contacts, and for a recall. */
  unitIndex?: string;
  recallIndex?: string;
}

const units = (lot: LotRef) => ({ gtin: lot.gtin, lot: lot.lotNumber, serials: parseUnitIndex(lot.unitIndex) });

export const Lot = {
  __resolveReference: (ref: LotRef): LotRef => ref,
  /** This node's latest event for every unit of the lot: one statement, whatever the lot's size. */
  dispenserPositions: (lot: LotRef, _: unknown, ctx: Context) => lotPositionTable(ctx, ctx.loaders.latestByLot, lot, lot.recallIndex),
  /**
   * The patient references stay with the dispensers' node until asked for, and are answered here, per
   * dispenser: a dispenser gets its own group only, a regulator every group, anyone else FORBIDDEN.
   */
  async patientContacts(lot: LotRef, _: unknown, ctx: Context) {
    requireAccess(ctx.identity, 'Lot.patientContacts', { gtin: lot.gtin });
    const dispenses = await ctx.loaders.dispensesByLot.load(units(lot));
    const byDispenser = new Map<string, typeof dispenses>();
    for (const d of dispenses) {
      if (!canSeeDispense(ctx.identity, { dispenser: d.owner })) continue;
      byDispenser.set(d.owner, [...(byDispenser.get(d.owner) ?? []), d]);
    }
    return Promise.all(
      [...byDispenser.entries()].map(async ([gln, list]) => {
        const contacts = await Promise.all(list.map((e) => presentDispense(ctx, e, e)));
        return {
          dispenser: await partyByGln(ctx.loaders, gln),
          count: contacts.length,
          contacts: contacts.map((c) => ({
            gtin: c.gtin,
            serial: c.serial,
            patientRef: c.patientRef,
            prescription: c.prescription,
            dispensedAt: c.dispensedAt,
            eventID: c.eventID,
          })),
        };
      }),
    );
  },
};
