import { GraphQLError } from 'graphql';

/**
 * The error a protected field resolves with when the caller may not see it: the field is null, the
 * error is coded FORBIDDEN and names what was withheld, never its value. The rest of the answer is
 * unaffected.
 */
export function forbidden(what: string): GraphQLError {
  return new GraphQLError(`not authorized to see ${what}`, { extensions: { code: 'FORBIDDEN' } });
}

/** Throws FORBIDDEN unless `allowed`; for resolvers that check before they load. */
export function requireAccess(allowed: boolean, what: string): void {
  if (!allowed) throw forbidden(what);
}
