import { requireAccess } from '@tracefed/kit/auth/access';
import { assertGln } from '@tracefed/kit/gs1/index';
import { badUserInput, locationByKey, partyByGln, ssccOf } from '@tracefed/kit/graphql/resolvers';
import type { Context } from '../context.ts';
import { presentSale } from '../sales.ts';

function glnArgument(gln: string, name: string): string {
  try {
    return assertGln(gln, `argument ${name}`);
  } catch (error) {
    return badUserInput(error, name);
  }
}

export const Query = {
  async holdings(_: unknown, args: { gln: string }, ctx: Context) {
    const gln = glnArgument(args.gln, 'gln');
    requireAccess(ctx.identity, 'Query.holdings', { holder: gln });
    const rows = await ctx.loaders.holdingsByGln.load(gln);
    return Promise.all(
      rows.map(async (h) => ({
        holder: await partyByGln(ctx.loaders, h.holder),
        sscc: ssccOf(h.epcKey),
        key: h.epcKey,
        location: h.location ? await locationByKey(ctx.loaders, h.location) : null,
        since: h.since,
        receiptEventID: h.receiptEventId,
      })),
    );
  },
  async sales(_: unknown, args: { gln?: string | null; first?: number }, ctx: Context) {
    const gln = args.gln ? glnArgument(args.gln, 'gln') : null;
    requireAccess(ctx.identity, 'Query.sales', { seller: gln });
    const events = await ctx.repository.saleEvents(gln, Math.max(1, Math.min(args.first ?? 100, 1000)));
    return Promise.all(events.map((e) => presentSale(ctx, e, null)));
  },
};
