import { parseIdentifier } from '@tracefed/kit/gs1/index';
import { badUserInput } from '@tracefed/kit/graphql/resolvers';
import { GraphQLError } from 'graphql';

export const Query = {
  /**
   * A container by its SSCC, in any GS1 form. Always answered (even for an SSCC no carrier recorded),
   * so asking says nothing of what the carriers hold; its legs are custody data.
   */
  container(_: unknown, args: { sscc: string }) {
    const input = /^\d{18}$/.test(args.sscc) ? `(00)${args.sscc}` : args.sscc;
    let id;
    try {
      id = parseIdentifier(input);
    } catch (error) {
      return badUserInput(error, 'sscc');
    }
    if (id.kind !== 'sscc') {
      throw new GraphQLError(`argument sscc: expected an SSCC (AI 00), got a ${id.kind} identifier`, {
        extensions: { code: 'BAD_USER_INPUT', argumentName: 'sscc' },
      });
    }
    return { sscc: id.sscc };
  },
};
