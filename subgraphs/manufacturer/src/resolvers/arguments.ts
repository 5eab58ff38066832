import { GraphQLError } from 'graphql';
import { assertGtin } from '@tracefed/kit/gs1/index';
import { badUserInput } from '@tracefed/kit/graphql/resolvers';

/** A GTIN argument, padded to 14 digits; a bad one is answered with an error naming the argument. */
export function gtinArgument(gtin: string, name = 'gtin'): string {
  try {
    return assertGtin(gtin, `argument ${name}`);
  } catch (error) {
    return badUserInput(error, name);
  }
}

/** A price tolerance: a fraction between 0 and 1 (0.05 is 5 %). */
export function toleranceArgument(tolerance: number | undefined | null): number {
  const value = tolerance ?? 0.05;
  if (!Number.isFinite(value) || value < 0 || value >= 1) {
    throw new GraphQLError(`argument tolerance ${value} must be a fraction from 0 to below 1 (0.05 is 5 %)`, {
      extensions: { code: 'BAD_USER_INPUT', argumentName: 'tolerance' },
    });
  }
  return value;
}

/** A required text argument that is not blank. */
export function textArgument(value: string, name: string, max: number): string {
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > max) {
    throw new GraphQLError(`argument ${name} must be 1 to ${max} characters, got ${trimmed.length}`, {
      extensions: { code: 'BAD_USER_INPUT', argumentName: name },
    });
  }
  return trimmed;
}
