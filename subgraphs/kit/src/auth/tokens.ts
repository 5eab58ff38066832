import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { AuthenticationError, claimsOf, identityFromClaims, type Identity } from './identity.ts';

/** Where partner tokens' public keys come from: a JWKS file, or an identity provider's JWKS URL. */
export type JwksSource = { file: string } | { url: string; cacheMaxAgeMs?: number } | { set: JSONWebKeySet };

export interface PartnerTokenOptions {
  jwks: JwksSource;
  issuer: string;
  audience: string;
  /** Allowed clock difference for exp/nbf, in seconds. */
  clockToleranceSeconds?: number;
}

/** Only asymmetric algorithms are accepted for partner tokens; `none` and HMAC never are. */
const PARTNER_ALGORITHMS = ['ES256', 'RS256'];

function keySet(source: JwksSource): JWTVerifyGetKey {
  if ('url' in source) {
    return createRemoteJWKSet(new URL(source.url), {
      cacheMaxAge: source.cacheMaxAgeMs ?? 10 * 60_000,
      cooldownDuration: 30_000,
      timeoutDuration: 5_000,
    });
  }
  const keys = 'set' in source ? source.set : (JSON.parse(readFileSync(source.file, 'utf8')) as JSONWebKeySet);
  return createLocalJWKSet(keys);
}

function explain(error: unknown): AuthenticationError {
  if (error instanceof AuthenticationError) return error;
  if (error instanceof joseErrors.JWTExpired) return new AuthenticationError('token has expired');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return new AuthenticationError(`token claim "${error.claim}" is not acceptable (${error.reason})`);
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return new AuthenticationError('token algorithm is not allowed');
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return new AuthenticationError('token signature is invalid');
  if (error instanceof joseErrors.JWKSNoMatchingKey) return new AuthenticationError('token was signed by an unknown key');
  if (error instanceof joseErrors.JOSEError) return new AuthenticationError(`token is invalid (${error.code})`);
  return new AuthenticationError('token could not be verified');
}

/** Verifies partner JWTs (issuer, audience, expiry, not-before, signature) and returns the identity. */
export function createPartnerTokenVerifier(options: PartnerTokenOptions) {
  const getKey = keySet(options.jwks);
  return async (token: string): Promise<Identity> => {
    try {
      const { payload } = await jwtVerify(token, getKey, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: PARTNER_ALGORITHMS,
        clockTolerance: options.clockToleranceSeconds ?? 30,
        requiredClaims: ['exp', 'sub'],
      });
      return identityFromClaims(payload as Record<string, unknown>);
    } catch (error) {
      throw explain(error);
    }
  };
}

const INTERNAL_ISSUER = 'tracefed-gateway';
const INTERNAL_AUDIENCE = 'tracefed-subgraph';
/** Header that carries the gateway-signed identity to a subgraph. */
export const IDENTITY_HEADER = 'x-tracefed-identity';

function secretKey(secret: string): Uint8Array {
  if (secret.length < 32) throw new Error('the gateway-to-subgraph secret must be at least 32 characters');
  return new TextEncoder().encode(secret);
}

/**
 * The gateway passes the verified caller to subgraphs as a short-lived HS256 token over the identity,
 * keyed by a secret only the gateway and the subgraphs hold. A subgraph called directly, without it,
 * refuses the request.
 */
export function createIdentitySigner(secret: string, lifetimeSeconds = 60) {
  const key = secretKey(secret);
  return (identity: Identity): Promise<string> =>
    new SignJWT(claimsOf(identity))
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(INTERNAL_ISSUER)
      .setAudience(INTERNAL_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${lifetimeSeconds}s`)
      .sign(key);
}

export function createIdentityVerifier(secret: string) {
  const key = secretKey(secret);
  return async (token: string): Promise<Identity> => {
    try {
      const { payload } = await jwtVerify(token, key, {
        issuer: INTERNAL_ISSUER,
        audience: INTERNAL_AUDIENCE,
        algorithms: ['HS256'],
        clockTolerance: 5,
        requiredClaims: ['exp'],
      });
      return identityFromClaims(payload as Record<string, unknown>);
    } catch (error) {
      throw explain(error);
    }
  };
}

/** Reads `Authorization: Bearer <token>`; null when absent, an error when malformed. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+([A-Za-z0-9_\-.]+)$/i.exec(header.trim());
  if (!match) throw new AuthenticationError('Authorization header must be "Bearer <JWT>"');
  return match[1] as string;
}
