import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64url, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { DEV_AUDIENCE, DEV_ISSUER, loadDevAuth, type DevAuth } from './dev.ts';
import { AuthenticationError, type Identity } from './identity.ts';
import { bearerToken, createIdentitySigner, createIdentityVerifier, createPartnerTokenVerifier } from './tokens.ts';

const alice: Identity = { sub: 'alice@northline', partner: '4012345000009', role: 'distributor', scope: ['trace'] };
const dir = mkdtempSync(join(tmpdir(), 'tracefed-auth-'));
let dev: DevAuth;
let verify: (token: string) => Promise<Identity>;

beforeAll(async () => {
  dev = await loadDevAuth(dir);
  verify = createPartnerTokenVerifier({ jwks: { set: dev.jwks }, issuer: DEV_ISSUER, audience: DEV_AUDIENCE });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function rejects(token: string, message: RegExp) {
  const error = await verify(token).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthenticationError);
  expect((error as Error).message).toMatch(message);
}

describe('partner tokens', () => {
  it('accepts a token from the configured provider and returns the identity', async () => {
    expect(await verify(await dev.issue(alice))).toEqual(alice);
  });

  it('keeps the same keys across restarts, so issued tokens stay valid', async () => {
    const token = await dev.issue(alice);
    const again = await loadDevAuth(dir);
    const verifyAgain = createPartnerTokenVerifier({ jwks: { set: again.jwks }, issuer: DEV_ISSUER, audience: DEV_AUDIENCE });
    expect((await verifyAgain(token)).partner).toBe(alice.partner);
  });

  it('rejects expired, not-yet-valid, wrong-audience and wrong-issuer tokens, saying why', async () => {
    const { privateKey } = { privateKey: await importDevPrivate() };
    const base = () => new SignJWT({ partner: alice.partner, role: alice.role }).setSubject(alice.sub).setProtectedHeader({ alg: 'ES256', kid: dev.jwks.keys[0]!.kid! });
    await rejects(await base().setIssuer(DEV_ISSUER).setAudience(DEV_AUDIENCE).setExpirationTime(Math.floor(Date.now() / 1000) - 120).sign(privateKey), /expired/);
    await rejects(
      await base().setIssuer(DEV_ISSUER).setAudience(DEV_AUDIENCE).setNotBefore(Math.floor(Date.now() / 1000) + 600).setExpirationTime('1h').sign(privateKey),
      /"nbf"/,
    );
    await rejects(await base().setIssuer(DEV_ISSUER).setAudience('someone-else').setExpirationTime('1h').sign(privateKey), /"aud"/);
    await rejects(await base().setIssuer('https://evil.example').setAudience(DEV_AUDIENCE).setExpirationTime('1h').sign(privateKey), /"iss"/);
  });

  it('rejects forged signatures, unknown keys, alg none and HMAC tokens', async () => {
    const genuine = await dev.issue(alice);
    const [h, , s] = genuine.split('.');
    const forgedPayload = base64url.encode(JSON.stringify({ sub: 'mallory', partner: '4012345000009', role: 'regulator', iss: DEV_ISSUER, aud: DEV_AUDIENCE, exp: 9999999999 }));
    await rejects(`${h}.${forgedPayload}.${s}`, /signature/);

    const stranger = await generateKeyPair('ES256');
    await rejects(
      await new SignJWT({ partner: alice.partner, role: 'regulator' }).setSubject('x').setProtectedHeader({ alg: 'ES256', kid: dev.jwks.keys[0]!.kid! }).setIssuer(DEV_ISSUER).setAudience(DEV_AUDIENCE).setExpirationTime('1h').sign(stranger.privateKey),
      /signature/,
    );
    const none = new UnsecuredJWT({ partner: alice.partner, role: 'regulator' }).setSubject('x').setIssuer(DEV_ISSUER).setAudience(DEV_AUDIENCE).setExpirationTime('1h').encode();
    await rejects(none, /algorithm|invalid/);
    const hmac = await new SignJWT({ partner: alice.partner, role: 'regulator' })
      .setSubject('x').setProtectedHeader({ alg: 'HS256' }).setIssuer(DEV_ISSUER).setAudience(DEV_AUDIENCE).setExpirationTime('1h')
      .sign(new TextEncoder().encode('a-guessable-secret-that-is-long-enough'));
    await rejects(hmac, /algorithm/);
  });

  it('rejects tokens whose tracefed claims are missing or malformed', async () => {
    await rejects(await dev.issue({ ...alice, partner: '123' }), /partner/);
    await rejects(await dev.issue({ ...alice, role: 'admin' as never }), /role/);
  });

  it('reads bearer headers strictly', () => {
    expect(bearerToken(undefined)).toBeNull();
    expect(bearerToken('Bearer a.b.c')).toBe('a.b.c');
    expect(() => bearerToken('Basic dXNlcjpwYXNz')).toThrow(/Bearer/);
  });
});

describe('gateway-to-subgraph identity', () => {
  const secret = 'x'.repeat(40);
  it('round-trips the identity and refuses another secret or a tampered token', async () => {
    const token = await createIdentitySigner(secret)(alice);
    expect(await createIdentityVerifier(secret)(token)).toEqual(alice);
    await expect(createIdentityVerifier('y'.repeat(40))(token)).rejects.toThrow(/signature/);
    const [h, , s] = token.split('.');
    const tampered = `${h}.${base64url.encode(JSON.stringify({ sub: 'm', partner: alice.partner, role: 'regulator', iss: 'tracefed-gateway', aud: 'tracefed-subgraph', exp: 9999999999 }))}.${s}`;
    await expect(createIdentityVerifier(secret)(tampered)).rejects.toThrow(/signature/);
  });

  it('refuses a short secret', () => {
    expect(() => createIdentitySigner('short')).toThrow(/at least 32/);
  });
});

async function importDevPrivate() {
  const { readFileSync } = await import('node:fs');
  const { importJWK } = await import('jose');
  const stored = JSON.parse(readFileSync(join(dir, 'dev-auth-keys.json'), 'utf8'));
  return importJWK(stored.privateJwk, 'ES256');
}
