import { requireAccess } from '@tracefed/kit/auth/access';
import { assertGln } from '@tracefed/kit/gs1/index';
import { badUserInput } from '@tracefed/kit/graphql/resolvers';
import type { Context } from '../context.ts';
import { presentDispense } from '../dispense.ts';

export const Query = {
  async dispenses(_: unknown, args: { gln: string; first?: number }, ctx: Context) {
    let gln: string;
    try {
      gln = assertGln(args.gln, 'argument gln');
    } catch (error) {
      return badUserInput(error, 'gln');
    }
    requireAccess(ctx.identity, 'Query.dispenses', { dispenser: gln });
    const events = await ctx.repository.dispensesOf(gln, Math.max(1, Math.min(args.first ?? 100, 1000)));
    return Promise.all(events.map((e) => presentDispense(ctx, e, e)));
  },
};
