import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
  type JWTPayload,
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

/**
 * Tokens this process has verified, by their exact text, with the identity they carry. A caller sends
 * the same bearer token with every request until it expires, and the gateway sends the same identity
 * token to every fetch of a request (and, see createIdentitySigner, of the requests that follow for 30
 * seconds): verifying each again costs a signature check through WebCrypto, a thread-pool round trip,
 * on every request and every subgraph fetch (bench/results/trace-auth-cache-2026-11-29.md). A hit
 * needs the identical text, so the signature covers exactly what was verified; it is honoured until the
 * token's own expiry (with the verifier's clock tolerance) and for at most `maxAgeMs` after it was
 * verified, the bound on how long a key removed from the key set goes on being accepted (the remote key
 * set itself is refetched every 10 minutes). A miss, an expired entry or a full cache falls back to
 * full verification, whose refusal and message are exactly as without the cache.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, { identity: Identity; expiresAtMs: number }>();

  constructor(
    private readonly options: { maxEntries?: number; maxAgeMs?: number; clockToleranceSeconds: number },
    private readonly now: () => number = Date.now,
  ) {}

  get(token: string): Identity | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (this.now() >= entry.expiresAtMs) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.identity;
  }

  /** Remembers a token verified just now, with its `exp` claim (seconds since the epoch). */
  set(token: string, identity: Identity, exp: number): void {
    const now = this.now();
    const expiresAtMs = Math.min(exp * 1000 + this.options.clockToleranceSeconds * 1000, now + (this.options.maxAgeMs ?? 60_000));
    if (expiresAtMs <= now) return;
    // Oldest first out: a Map iterates in insertion order.
    if (this.entries.size >= (this.options.maxEntries ?? 1024)) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(token, { identity, expiresAtMs });
  }
}

/** Verifies partner JWTs (issuer, audience, expiry, not-before, signature) and returns the identity. */
export function createPartnerTokenVerifier(options: PartnerTokenOptions) {
  const getKey = keySet(options.jwks);
  const clockTolerance = options.clockToleranceSeconds ?? 30;
  return verifyingOnce(clockTolerance, (token) =>
    jwtVerify(token, getKey, {
      issuer: options.issuer,
      audience: options.audience,
      algorithms: PARTNER_ALGORITHMS,
      clockTolerance,
      requiredClaims: ['exp', 'sub'],
    }),
  );
}

/**
 * A verifier that checks each token once per process (VerifiedTokenCache) with `verify`, reads its
 * identity, and explains every refusal.
 */
function verifyingOnce(clockToleranceSeconds: number, verify: (token: string) => Promise<{ payload: JWTPayload }>) {
  const verified = new VerifiedTokenCache({ clockToleranceSeconds });
  return async (token: string): Promise<Identity> => {
    const known = verified.get(token);
    if (known) return known;
    try {
      const { payload } = await verify(token);
      const identity = identityFromClaims(payload as Record<string, unknown>);
      verified.set(token, identity, payload.exp as number);
      return identity;
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
 *
 * One token serves an identity for the first half of its lifetime: the requests of that identity in
 * those seconds carry the same token, so the nodes verify it once (VerifiedTokenCache) instead of once
 * per fetch, and the gateway signs it once. Every token still has at least half its lifetime (30 s by
 * default) left when a request starts with it, far beyond a request's subgraph deadline.
 */
export function createIdentitySigner(secret: string, lifetimeSeconds = 60, now: () => number = Date.now) {
  const key = secretKey(secret);
  const issued = new Map<string, { token: Promise<string>; renewAtMs: number }>();
  return (identity: Identity): Promise<string> => {
    const claims = claimsOf(identity);
    const cacheKey = JSON.stringify(claims);
    const at = now();
    const known = issued.get(cacheKey);
    if (known && at < known.renewAtMs) return known.token;
    const iat = Math.floor(at / 1000);
    const token = new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(INTERNAL_ISSUER)
      .setAudience(INTERNAL_AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(iat + lifetimeSeconds)
      .sign(key);
    if (issued.size >= 1024) issued.clear();
    issued.set(cacheKey, { token, renewAtMs: iat * 1000 + (lifetimeSeconds * 1000) / 2 });
    // A failed signing is not kept: the next request signs again.
    token.catch(() => {
      if (issued.get(cacheKey)?.token === token) issued.delete(cacheKey);
    });
    return token;
  };
}

export function createIdentityVerifier(secret: string) {
  const key = secretKey(secret);
  const clockTolerance = 5;
  return verifyingOnce(clockTolerance, (token) =>
    jwtVerify(token, key, {
      issuer: INTERNAL_ISSUER,
      audience: INTERNAL_AUDIENCE,
      algorithms: ['HS256'],
      clockTolerance,
      requiredClaims: ['exp'],
    }),
  );
}

/** Reads `Authorization: Bearer <token>`; null when absent, an error when malformed. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+([A-Za-z0-9_\-.]+)$/i.exec(header.trim());
  if (!match) throw new AuthenticationError('Authorization header must be "Bearer <JWT>"');
  return match[1] as string;
}
