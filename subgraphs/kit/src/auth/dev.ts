import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { claimsOf, type Identity } from './identity.ts';

/** Issuer and audience of the development identity provider that `npm start` plays. */
export const DEV_ISSUER = 'https://dev-idp.tracefed.local';
export const DEV_AUDIENCE = 'tracefed';

export interface DevAuth {
  /** Public keys (JWKS) the gateway and nodes verify partner tokens with. */
  jwks: { keys: JWK[] };
  /** Secret shared by the gateway and the subgraphs for the forwarded identity. */
  internalSecret: string;
  issue(identity: Identity, lifetime?: string): Promise<string>;
}

interface StoredKeys {
  privateJwk: JWK;
  publicJwk: JWK;
  internalSecret: string;
}

/**
 * A development identity provider: an ES256 key pair and a gateway secret, generated on first use and
 * kept under `dir` so tokens stay valid across restarts. Production never uses this: it is configured
 * with a real provider's JWKS.
 */
export async function loadDevAuth(dir: string): Promise<DevAuth> {
  const file = join(dir, 'dev-auth-keys.json');
  let stored: StoredKeys;
  if (existsSync(file)) {
    stored = JSON.parse(readFileSync(file, 'utf8')) as StoredKeys;
  } else {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = randomBytes(8).toString('hex');
    stored = {
      privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' },
      publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' },
      internalSecret: randomBytes(32).toString('base64url'),
    };
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  const privateKey = await importJWK(stored.privateJwk, 'ES256');
  return {
    jwks: { keys: [stored.publicJwk] },
    internalSecret: stored.internalSecret,
    issue: (identity, lifetime = '30d') =>
      new SignJWT(claimsOf(identity))
        .setProtectedHeader({ alg: 'ES256', kid: stored.privateJwk.kid as string, typ: 'JWT' })
        .setIssuer(DEV_ISSUER)
        .setAudience(DEV_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(lifetime)
        .sign(privateKey),
  };
}
