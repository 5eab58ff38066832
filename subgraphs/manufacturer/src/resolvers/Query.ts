import { assertGtin, parseUnitCode } from '@tracefed/kit/gs1/index';
import { badUserInput } from '@tracefed/kit/graphql/resolvers';
import { ATTR, VTYPE } from '@tracefed/kit/epcis/vocabulary';
import type { Context } from '../context.ts';

function gtinArgument(gtin: string): string {
  try {
    return assertGtin(gtin, 'argument gtin');
  } catch (error) {
    return badUserInput(error, 'gtin');
  }
}

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
};
