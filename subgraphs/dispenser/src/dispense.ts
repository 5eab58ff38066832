import type { StoredEvent } from '@tracefed/kit/epcis/repository';
import { ATTR, BTT } from '@tracefed/kit/epcis/vocabulary';
import { locationByKey, partyByGln, type NodeContext } from '@tracefed/kit/graphql/resolvers';

const DECOMMISSION_DISPOSITIONS = new Set(['destroyed', 'stolen', 'returned', 'expired', 'inactive']);

export const isDispense = (e: StoredEvent) => e.bizStep === 'dispensing' || e.disposition === 'dispensed';

export const isDecommissioning = (e: StoredEvent) =>
  !isDispense(e) &&
  (e.bizStep === 'decommissioning' || e.bizStep === 'destroying' || DECOMMISSION_DISPOSITIONS.has(e.disposition ?? ''));

/** The dispense view of a dispensing event. The patient is only ever a pseudonymous reference. */
export async function presentDispense(ctx: NodeContext, e: StoredEvent, unit: { gtin: string; serial: string }) {
  const patientRef = e.extensions?.[ATTR.patientRef];
  return {
    eventID: e.eventId,
    dispensedAt: e.eventTime,
    dispenser: await partyByGln(ctx.loaders, e.owner),
    location: e.bizLocation ? await locationByKey(ctx.loaders, e.bizLocation) : null,
    patientRef: typeof patientRef === 'string' ? patientRef : null,
    prescription: e.bizTransactions.find((b) => b.type === BTT.prescription)?.id ?? null,
    gtin: unit.gtin,
    serial: unit.serial,
  };
}

export async function presentDecommissioning(ctx: NodeContext, e: StoredEvent) {
  return {
    eventID: e.eventId,
    at: e.eventTime,
    by: await partyByGln(ctx.loaders, e.owner),
    reason: e.disposition ?? e.bizStep ?? 'decommissioned',
  };
}
