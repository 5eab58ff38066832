import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { requireAccess } from '@tracefed/kit/auth/access';
import { assertCset82 } from '@tracefed/kit/gs1/index';
import { badUserInput } from '@tracefed/kit/graphql/resolvers';
import { recallDocument, type RecallClass } from '@tracefed/kit/investigations/recall';
import type { Context } from '../context.ts';
import { latestRecall } from '../investigation.ts';
import { presentRecall } from '../presenters.ts';
import { gtinArgument, textArgument } from './arguments.ts';

const CLASSES: Record<string, RecallClass> = { CLASS_I: 'I', CLASS_II: 'II', CLASS_III: 'III' };

export const Mutation = {
  /**
   * Captures the recall as an EPCIS event in this node, through the same ingest as every other event.
   * Only the product's manufacturer records recalls here: the product must be in its catalogue and
   * the lot must have been made (a TransformationEvent outputs it).
   */
  async recallLot(_: unknown, args: { gtin: string; lot: string; reason: string; class: string }, ctx: Context) {
    const gtin = gtinArgument(args.gtin);
    // Before anything is read: a refused caller learns nothing of the catalogue or the lots.
    requireAccess(ctx.identity, 'Mutation.recallLot', { gtin });
    const lot = textArgument(args.lot, 'lot', 20);
    try {
      assertCset82(lot, 'argument lot');
    } catch (error) {
      badUserInput(error, 'lot');
    }
    const reason = textArgument(args.reason, 'reason', 500);
    const recallClass = CLASSES[args.class] as RecallClass;
    const product = await ctx.loaders.vocabularyByKey.load(`/01/${gtin}`);
    if (!product) {
      throw new GraphQLError(`GTIN ${gtin} is not a product of this manufacturer's catalogue, so it cannot recall it`, {
        extensions: { code: 'BAD_USER_INPUT', argumentName: 'gtin' },
      });
    }
    const lots = await ctx.loaders.lotsByGtin.load(gtin);
    if (!lots.includes(lot)) {
      throw new GraphQLError(`lot ${lot} of GTIN ${gtin} was never made here: no TransformationEvent outputs it`, {
        extensions: { code: 'BAD_USER_INPUT', argumentName: 'lot' },
      });
    }
    const serials = await ctx.loaders.serialsByLot.load(`${gtin}|${lot}`);
    const document = recallDocument({
      eventId: `urn:uuid:${randomUUID()}`,
      gtin,
      lot,
      reason,
      recallClass,
      at: new Date(),
      quantity: serials.length,
      // The lot's records stay the manufacturer's; a regulator's order is recorded as such.
      ...(ctx.identity.partner !== product.owner ? { orderedBy: ctx.identity.partner } : {}),
    });
    await ctx.capture(product.owner, document);
    // Read back through a fresh loader: the answer is what the store now holds.
    ctx.loaders.classEventsByLotKey.clearAll();
    const recall = await latestRecall(ctx, gtin, lot);
    if (!recall) throw new GraphQLError(`the recall of lot ${lot} was captured but could not be read back`);
    return presentRecall(ctx, recall);
  },
};
