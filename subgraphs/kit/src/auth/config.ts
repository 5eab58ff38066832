/**
 * The identity set-up of a process (gateway or node), read from the environment in one place.
 *
 * Production (`TRACEFED_MODE=production`, or NODE_ENV=production) needs a real identity provider:
 *   TRACEFED_JWKS_URL or TRACEFED_JWKS_FILE   the provider's public keys (JWKS)
 *   TRACEFED_JWT_ISSUER, TRACEFED_JWT_AUDIENCE the `iss` and `aud` every partner token must carry
 *   TRACEFED_INTERNAL_SECRET                   ≥ 32 characters shared by the gateway and the nodes
 * and refuses to start without them. Development plays its own identity provider: an ES256 key pair
 * and an internal secret generated on first start under the data directory (see dev.ts).
 */
import { DEV_AUDIENCE, DEV_ISSUER, loadDevAuth, type DevAuth } from './dev.ts';
import type { Identity } from './identity.ts';
import { createIdentitySigner, createIdentityVerifier, createPartnerTokenVerifier, type JwksSource } from './tokens.ts';

export interface AuthConfig {
  production: boolean;
  /** Verifies a partner's bearer token (signature by the provider's keys, iss, aud, exp, nbf). */
  verifyPartnerToken(token: string): Promise<Identity>;
  /** Signs the verified caller for the nodes (gateway side). */
  signIdentity(identity: Identity): Promise<string>;
  /** Verifies the gateway-signed identity (node side). */
  verifyIdentity(token: string): Promise<Identity>;
  /** The development identity provider, when not in production. */
  dev?: DevAuth;
}

export class AuthConfigurationError extends Error {}

export function isProduction(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.TRACEFED_MODE === 'production' || (env.TRACEFED_MODE === undefined && env.NODE_ENV === 'production');
}

/** Builds the verifiers and signer from explicit keys: used by the loaders below and by tests. */
export function authConfig(options: {
  production: boolean;
  jwks: JwksSource;
  issuer: string;
  audience: string;
  internalSecret: string;
  dev?: DevAuth;
}): AuthConfig {
  return {
    production: options.production,
    verifyPartnerToken: createPartnerTokenVerifier({ jwks: options.jwks, issuer: options.issuer, audience: options.audience }),
    signIdentity: createIdentitySigner(options.internalSecret),
    verifyIdentity: createIdentityVerifier(options.internalSecret),
    ...(options.dev ? { dev: options.dev } : {}),
  };
}

/** The development set-up: keys kept under `dataDir` (created on first use). */
export async function devAuthConfig(dataDir: string): Promise<AuthConfig> {
  const dev = await loadDevAuth(dataDir);
  return authConfig({
    production: false,
    jwks: { set: dev.jwks as never },
    issuer: DEV_ISSUER,
    audience: DEV_AUDIENCE,
    internalSecret: dev.internalSecret,
    dev,
  });
}

/** Reads the identity set-up from the environment; production without a configured JWKS is refused. */
export async function loadAuthConfig(env: NodeJS.ProcessEnv = process.env, dataDir = env.DATA_DIR ?? '.data'): Promise<AuthConfig> {
  if (!isProduction(env)) {
    if (env.TRACEFED_JWKS_URL || env.TRACEFED_JWKS_FILE) return fromEnv(env, false);
    return devAuthConfig(dataDir);
  }
  return fromEnv(env, true);
}

function fromEnv(env: NodeJS.ProcessEnv, production: boolean): AuthConfig {
  const missing: string[] = [];
  if (!env.TRACEFED_JWKS_URL && !env.TRACEFED_JWKS_FILE) missing.push('TRACEFED_JWKS_URL or TRACEFED_JWKS_FILE');
  if (!env.TRACEFED_JWT_ISSUER) missing.push('TRACEFED_JWT_ISSUER');
  if (!env.TRACEFED_JWT_AUDIENCE) missing.push('TRACEFED_JWT_AUDIENCE');
  if (!env.TRACEFED_INTERNAL_SECRET) missing.push('TRACEFED_INTERNAL_SECRET');
  if (missing.length > 0) {
    throw new AuthConfigurationError(
      `${production ? 'production mode' : 'a configured identity provider'} needs ${missing.join(', ')}; ` +
        'see README "Identity and access" for how to plug in your identity provider',
    );
  }
  if ((env.TRACEFED_INTERNAL_SECRET ?? '').length < 32) {
    throw new AuthConfigurationError('TRACEFED_INTERNAL_SECRET must be at least 32 characters');
  }
  const jwks: JwksSource = env.TRACEFED_JWKS_URL ? { url: env.TRACEFED_JWKS_URL } : { file: env.TRACEFED_JWKS_FILE as string };
  return authConfig({
    production,
    jwks,
    issuer: env.TRACEFED_JWT_ISSUER as string,
    audience: env.TRACEFED_JWT_AUDIENCE as string,
    internalSecret: env.TRACEFED_INTERNAL_SECRET as string,
  });
}
