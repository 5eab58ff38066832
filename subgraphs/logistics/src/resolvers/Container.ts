import { requireAccess } from '@tracefed/kit/auth/access';
import type { Context } from '../context.ts';
import { containerLegs, legParties, presentLeg } from '../carriage.ts';

interface ContainerRef {
  sscc: string;
}

export const Container = {
  __resolveReference: (ref: ContainerRef): ContainerRef => ({ sscc: ref.sscc }),
  /**
   * Custody data, decided on the carriers' records: the carriers and the partners the legs name,
   * investigators and regulators. A container has no GTIN, so no manufacturer is known here: a
   * manufacturer sees its own pallets' legs as the partner that handed them over.
   */
  async transit(container: ContainerRef, _: unknown, ctx: Context) {
    const legs = await containerLegs(ctx, container.sscc);
    requireAccess(ctx.identity, 'Container.transit', { gtin: '', partiesInvolved: legParties(legs) });
    return Promise.all(legs.map((leg) => presentLeg(ctx, leg)));
  },
};
