import { parseUnitCode } from '@tracefed/kit/gs1/index';
import { badUserInput } from '@tracefed/kit/graphql/resolvers';
import { ATTR, VTYPE } from '@tracefed/kit/epcis/vocabulary';
import { describeRequestError, validateVerificationRequest } from '@tracefed/kit/investigations/lms';
import { lotClassKey } from '@tracefed/kit/investigations/recall';
import { GraphQLError } from 'graphql';
import { requireAccess } from '@tracefed/kit/auth/access';
import type { Context } from '../context.ts';
import { verificationRef } from '../verification.ts';
import { gtinArgument, textArgument, toleranceArgument } from './arguments.ts';
import { componentLotValue } from './Lot.ts';

export const Query = {
  trace(_: unknown, args: { code: string }) {
    try {
      const unit = parseUnitCode(args.code);
      return { gtin: unit.gtin, serial: unit.serial };
    } catch (error) {
      return badUserInput(error, 'code');
    }
  },
  unit(_: unknown, args: { gtin: string; serial: string }) {
    return { gtin: gtinArgument(args.gtin), serial: args.serial };
  },
  async products(_: unknown, _args: unknown, ctx: Context) {
    const rows = await ctx.loaders.vocabularyByType.load(VTYPE.epcClass);
    return rows.flatMap((row) => {
      const match = /^\/01\/(\d{14})$/.exec(row.key);
      return match && row.attributes[ATTR.regulatedProductName] !== undefined ? [{ gtin: match[1] as string }] : [];
    });
  },
  async product(_: unknown, args: { gtin: string }, ctx: Context) {
    const gtin = gtinArgument(args.gtin);
    const row = await ctx.loaders.vocabularyByKey.load(`/01/${gtin}`);
    return row ? { gtin } : null;
  },
  async lot(_: unknown, args: { gtin: string; lotNumber: string }, ctx: Context) {
    const gtin = gtinArgument(args.gtin);
    const lots = await ctx.loaders.lotsByGtin.load(gtin);
    return lots.includes(args.lotNumber) ? { gtin, lotNumber: args.lotNumber } : null;
  },
  verify(
    _: unknown,
    args: { gtin: string; serial: string; lot?: string | null; expiry?: string | null; reqGLN?: string | null; corrUUID?: string | null; context?: string | null },
    ctx: Context,
  ) {
    let request;
    try {
      request = validateVerificationRequest(args);
    } catch (error) {
      const problem = describeRequestError(error);
      if (!problem) throw error;
      throw new GraphQLError(problem.message, { extensions: { code: 'BAD_USER_INPUT', part: problem.part } });
    }
    // The requester decides whether a dispense may be undone: a partner may speak only for itself.
    // Investigators and regulators may ask on a partner's behalf.
    const { identity } = ctx;
    if (request.reqGLN && request.reqGLN !== identity.partner && identity.role !== 'investigator' && identity.role !== 'regulator') {
      throw new GraphQLError(`reqGLN ${request.reqGLN} is not the caller's own GLN (${identity.partner}); a partner verifies as itself`, {
        extensions: { code: 'BAD_USER_INPUT', argumentName: 'reqGLN' },
      });
    }
    return verificationRef(request, new Date());
  },
  priceViolations(_: unknown, args: { gtin: string; from: Date; to: Date; tolerance: number }, ctx: Context) {
    const gtin = gtinArgument(args.gtin);
    requireAccess(ctx.identity, 'Query.priceViolations', { gtin });
    if (args.to.getTime() <= args.from.getTime()) {
      throw new GraphQLError(`argument to (${args.to.toISOString()}) must be after from (${args.from.toISOString()})`, {
        extensions: { code: 'BAD_USER_INPUT', argumentName: 'to' },
      });
    }
    return { gtin, from: args.from, to: args.to, tolerance: toleranceArgument(args.tolerance) };
  },
  async componentLot(_: unknown, args: { gtin: string; lotNumber: string }, ctx: Context) {
    const gtin = gtinArgument(args.gtin);
    const lot = textArgument(args.lotNumber, 'lotNumber', 20);
    const key = lotClassKey(gtin, lot);
    const [master, consumers] = await Promise.all([
      ctx.loaders.vocabularyByKey.load(key),
      ctx.loaders.lotsConsumingByComponentKey.load(key),
    ]);
    return master || consumers.length > 0 ? componentLotValue(ctx, { gtin, lot, key }) : null;
  },
};
