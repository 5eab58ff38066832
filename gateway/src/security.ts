import type { IncomingMessage } from 'node:http';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { Identity } from '@tracefed/kit/auth/identity';
import { AuthenticationError } from '@tracefed/kit/auth/identity';
import { bearerToken } from '@tracefed/kit/auth/tokens';
import { HttpError } from '@tracefed/kit/server/http';

export interface GatewaySecurity {
  /** Verifies a partner's bearer token (JWKS, issuer, audience, expiry). */
  verifyPartnerToken(token: string): Promise<Identity>;
}

const challenge = { 'www-authenticate': 'Bearer realm="tracefed"' };

/** Reads and verifies the caller's token; every GraphQL request through the gateway needs one. */
export async function authenticate(security: GatewaySecurity, req: IncomingMessage): Promise<Identity> {
  let token: string | null;
  try {
    token = bearerToken(req.headers.authorization);
  } catch (error) {
    throw new HttpError(401, (error as Error).message, challenge);
  }
  if (!token) throw new HttpError(401, 'authentication required: send "Authorization: Bearer <JWT>"', challenge);
  try {
    return await security.verifyPartnerToken(token);
  } catch (error) {
    throw new HttpError(401, error instanceof AuthenticationError ? error.message : 'token could not be verified', challenge);
  }
}

/**
 * A token bucket per partner. Keeps one small record per active partner and forgets idle ones, so
 * memory stays bounded by the number of partners, not requests.
 */
export function createRateLimiter(limit: { perMinute: number; burst: number }) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refillPerMs = limit.perMinute / 60_000;
  return (partner: string, now = Date.now()): void => {
    const bucket = buckets.get(partner) ?? { tokens: limit.burst, at: now };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (now - bucket.at) * refillPerMs);
    bucket.at = now;
    if (bucket.tokens < 1) {
      const retryAfter = Math.ceil((1 - bucket.tokens) / refillPerMs / 1000);
      buckets.set(partner, bucket);
      throw new HttpError(429, `rate limit of ${limit.perMinute} requests per minute exceeded for partner ${partner}`, {
        'retry-after': String(retryAfter),
      });
    }
    bucket.tokens -= 1;
    buckets.set(partner, bucket);
    if (buckets.size > 10_000) {
      for (const [key, b] of buckets) if (now - b.at > 120_000) buckets.delete(key);
    }
  };
}

/** Most lexical tokens in one GraphQL document. */
export const MAX_TOKENS = 2000;

/**
 * The OWASP GraphQL cheat sheet's limits, via graphql-armor: depth, aliases, directives and a cost
 * ceiling, as validation rules. The trace query of the README is depth 8 with ~90 fields; the limits
 * leave room for real portal queries (a lot of 400 units with their custody costs ~27,000) and stop
 * bombs. The token limit is graphql-js's own parser option: graphql-armor's token plugin parses in a
 * hook Apollo does not expect to throw, which turned every syntax error and every token bomb into a 500.
 */
export function armor(production: boolean) {
  const { plugins, validationRules } = new ApolloArmor({
    maxDepth: { n: 12 },
    maxAliases: { n: 15 },
    maxDirectives: { n: 20 },
    maxTokens: { enabled: false },
    costLimit: { maxCost: 50_000, objectCost: 2, scalarCost: 1, depthCostFactor: 1.5, ignoreIntrospection: true },
    blockFieldSuggestion: { enabled: production },
  }).protect();
  return { plugins, validationRules, parseOptions: { maxTokens: MAX_TOKENS } };
}
