/**
 * The benchmark's identity set-up (issue 5): our gateway answers only requests with a partner's bearer
 * token, and the nodes take GraphQL only with the identity the gateway signed. The bench plays the
 * development identity provider. It creates the keys once, in a directory of its own, before any
 * process starts (children started in parallel would otherwise each write their own keys), and every
 * child reads them from DATA_DIR: our gateway, Hive Gateway and the nodes verify and sign with the same
 * keys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, SignJWT } from 'jose';
import { devAuthConfig, type AuthConfig } from '@tracefed/kit/auth/config';
import { DEV_AUDIENCE, DEV_ISSUER } from '@tracefed/kit/auth/dev';
import { claimsOf, type Identity } from '@tracefed/kit/auth/identity';
import { computeCheckDigit } from '@tracefed/kit/gs1/index';

/**
 * Who runs the benchmark's traces: an investigator, who may see every unit's custody and the prices of
 * its sales (but not the dispense details, which only the dispensing partner and regulators see).
 */
export const BENCH_IDENTITY: Identity = {
  sub: 'bench',
  partner: `408888000001${computeCheckDigit('408888000001')}`,
  role: 'investigator',
  scope: ['trace', 'verify', 'investigate'],
};

/** Variables a child process reads its identity set-up from, and those the bench takes out of the inherited environment. */
const IDENTITY_VARIABLES = ['TRACEFED_JWKS_URL', 'TRACEFED_JWKS_FILE', 'TRACEFED_JWT_ISSUER', 'TRACEFED_JWT_AUDIENCE', 'TRACEFED_INTERNAL_SECRET'];

export interface BenchAuth {
  /** The directory holding dev-auth-keys.json. */
  dataDir: string;
  config: AuthConfig;
  /** The bench identity's bearer token, valid for the whole run. */
  token: string;
  /** Headers every request to a gateway carries (sent to the floor too, which ignores them, so every target reads the same bytes). */
  headers: Record<string, string>;
  /**
   * What every child process gets: the shared keys' directory, and development mode even where a
   * variant sets NODE_ENV=production (which alone would demand a real identity provider).
   */
  env: Record<string, string>;
  /** Variables to remove from the inherited environment, so a configured provider in the shell cannot split the keys. */
  unset: string[];
  /** The bench identity's token as a forger would make it: the provider's key id, issuer and audience, but another key. */
  forgedToken: string;
  dispose(): void;
}

/** Creates the development keys once and issues the bench identity's token. */
export async function prepareBenchAuth(lifetime = '24h'): Promise<BenchAuth> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'tracefed-bench-auth-'));
  const config = await devAuthConfig(dataDir);
  const dev = config.dev as NonNullable<AuthConfig['dev']>;
  const token = await dev.issue(BENCH_IDENTITY, lifetime);
  const { privateKey } = await generateKeyPair('ES256');
  const forgedToken = await new SignJWT(claimsOf(BENCH_IDENTITY))
    .setProtectedHeader({ alg: 'ES256', kid: dev.jwks.keys[0]?.kid as string, typ: 'JWT' })
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(lifetime)
    .sign(privateKey);
  return {
    dataDir,
    config,
    token,
    headers: { authorization: `Bearer ${token}` },
    env: { DATA_DIR: dataDir, TRACEFED_MODE: 'development' },
    unset: IDENTITY_VARIABLES,
    forgedToken,
    dispose: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

/** Gateway settings for the bench: a rate limit no run reaches, so only the machine limits throughput. */
export const UNTHROTTLED = { RATE_LIMIT_PER_MINUTE: '100000000', RATE_LIMIT_BURST: '100000000' };
