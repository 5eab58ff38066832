import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { AuthConfigurationError, loadAuthConfig } from './config.ts';
import { AuthenticationError, claimsOf, type Identity } from './identity.ts';

const dir = mkdtempSync(join(tmpdir(), 'tracefed-auth-config-'));
const ISSUER = 'https://idp.partners.example';
const AUDIENCE = 'tracefed';
const SECRET = 's'.repeat(40);
const meridian: Identity = { sub: 'qa@meridian', partner: '4061234000001', role: 'manufacturer', scope: ['recall'], companyPrefix: '4061234' };
let idpKey: CryptoKey;
let jwks: { keys: unknown[] };
let jwksFile: string;

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  idpKey = privateKey;
  jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] };
  jwksFile = join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify(jwks));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sign = (key: CryptoKey | Uint8Array, alg = 'ES256') =>
  new SignJWT(claimsOf(meridian)).setProtectedHeader({ alg, kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').sign(key);

const settings = () => ({
  TRACEFED_JWKS_FILE: jwksFile,
  TRACEFED_JWT_ISSUER: ISSUER,
  TRACEFED_JWT_AUDIENCE: AUDIENCE,
  TRACEFED_INTERNAL_SECRET: SECRET,
});

describe('production refuses to start without a configured identity provider', () => {
  it('names every missing setting', async () => {
    const error = await loadAuthConfig({ TRACEFED_MODE: 'production' }, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthConfigurationError);
    expect((error as Error).message).toBe(
      'production mode needs TRACEFED_JWKS_URL or TRACEFED_JWKS_FILE, TRACEFED_JWT_ISSUER, TRACEFED_JWT_AUDIENCE, ' +
        'TRACEFED_INTERNAL_SECRET; see README "Identity and access" for how to plug in your identity provider',
    );
    // And never falls back to the development provider: no keys were generated.
    expect(existsSync(join(dir, 'dev-auth-keys.json'))).toBe(false);
  });

  it('NODE_ENV=production means production too; only what is missing is named', async () => {
    const { TRACEFED_INTERNAL_SECRET: _secret, ...rest } = settings();
    await expect(loadAuthConfig({ NODE_ENV: 'production', ...rest }, dir)).rejects.toThrow(/^production mode needs TRACEFED_INTERNAL_SECRET;/);
  });

  it('refuses a gateway-to-node secret shorter than 32 characters', async () => {
    await expect(loadAuthConfig({ TRACEFED_MODE: 'production', ...settings(), TRACEFED_INTERNAL_SECRET: 'short' }, dir)).rejects.toThrow(
      'TRACEFED_INTERNAL_SECRET must be at least 32 characters',
    );
  });
});

describe('a configured identity provider', () => {
  it('JWKS file: verifies a token signed by its key, and nothing else', async () => {
    const config = await loadAuthConfig({ TRACEFED_MODE: 'production', ...settings() }, dir);
    expect(config.production).toBe(true);
    expect(config.dev).toBeUndefined();
    expect(await config.verifyPartnerToken(await sign(idpKey))).toEqual(meridian);
    const stranger = await generateKeyPair('ES256');
    await expect(config.verifyPartnerToken(await sign(stranger.privateKey))).rejects.toThrow(AuthenticationError);
    // The internal secret signs identities for the nodes; it never makes a partner token.
    await expect(config.verifyPartnerToken(await sign(new TextEncoder().encode(SECRET), 'HS256'))).rejects.toThrow(/algorithm is not allowed/);
    await expect(config.verifyIdentity(await config.signIdentity(meridian))).resolves.toEqual(meridian);
  });

  describe('JWKS URL', () => {
    let server: Server;
    let fetches = 0;
    let url: string;
    beforeAll(async () => {
      server = createServer((_req, res) => {
        fetches += 1;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(jwks));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('fetches the keys once and verifies from the cache afterwards', async () => {
      const { TRACEFED_JWKS_FILE: _file, ...rest } = settings();
      const config = await loadAuthConfig({ TRACEFED_MODE: 'production', ...rest, TRACEFED_JWKS_URL: url }, dir);
      const token = await sign(idpKey);
      for (let i = 0; i < 5; i += 1) expect((await config.verifyPartnerToken(token)).partner).toBe(meridian.partner);
      expect(fetches).toBe(1);
    });
  });

  it('development with a JWKS configured uses it, not the development provider', async () => {
    const config = await loadAuthConfig({ TRACEFED_MODE: 'development', ...settings() }, dir);
    expect(config.production).toBe(false);
    expect(config.dev).toBeUndefined();
    expect((await config.verifyPartnerToken(await sign(idpKey))).sub).toBe(meridian.sub);
  });

  it('development without one plays its own provider, keys kept under the data directory', async () => {
    const devDir = join(dir, 'dev');
    const config = await loadAuthConfig({ TRACEFED_MODE: 'development' }, devDir);
    expect(config.production).toBe(false);
    expect(existsSync(join(devDir, 'dev-auth-keys.json'))).toBe(true);
    expect(await config.verifyPartnerToken(await config.dev!.issue(meridian))).toEqual(meridian);
    // A token of the configured provider means nothing to the development one.
    await expect(config.verifyPartnerToken(await sign(idpKey))).rejects.toThrow(AuthenticationError);
  });
});
