import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64url, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { DEV_AUDIENCE, DEV_ISSUER, loadDevAuth, type DevAuth } from './dev.ts';
import { AuthenticationError, type Identity } from './identity.ts';
import { bearerToken, createIdentitySigner, createIdentityVerifier, createPartnerTokenVerifier, VerifiedTokenCache } from './tokens.ts';

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

  it('gives an identity one token for the first half of its lifetime, then a new one', async () => {
    let now = Date.parse('2026-11-29T10:00:00.200Z');
    const sign = createIdentitySigner(secret, 60, () => now);
    const first = await sign(alice);
    expect(await sign({ ...alice })).toBe(first);
    // Another identity (here: another scope) never shares a token.
    const other = await sign({ ...alice, scope: ['trace', 'recall'] });
    expect(other).not.toBe(first);
    expect(await createIdentityVerifier(secret)(other)).toEqual({ ...alice, scope: ['trace', 'recall'] });
    now += 29_000;
    expect(await sign(alice)).toBe(first);
    now += 1_000; // 30 s after the first token's issue (its iat is the whole second)
    const renewed = await sign(alice);
    expect(renewed).not.toBe(first);
    const claims = (t: string) => JSON.parse(Buffer.from(t.split('.')[1] as string, 'base64url').toString()) as { iat: number; exp: number };
    expect(claims(first).exp - claims(first).iat).toBe(60);
    expect(claims(renewed).iat - claims(first).iat).toBe(30);
  });
});

describe('verified token cache', () => {
  it('answers a token verified before until its expiry (with the tolerance) or its maximum age, whichever is first', () => {
    let now = 1_000_000_000_000;
    const cache = new VerifiedTokenCache({ clockToleranceSeconds: 5, maxAgeMs: 60_000 }, () => now);
    cache.set('a.b.c', alice, now / 1000 + 10);
    expect(cache.get('a.b.c')).toEqual(alice);
    expect(cache.get('a.b.d')).toBeUndefined();
    now += 14_999;
    expect(cache.get('a.b.c')).toEqual(alice);
    now += 1;
    expect(cache.get('a.b.c')).toBeUndefined();
    cache.set('long.lived.token', alice, now / 1000 + 3600);
    now += 59_999;
    expect(cache.get('long.lived.token')).toEqual(alice);
    now += 1;
    expect(cache.get('long.lived.token')).toBeUndefined();
    // A token already past its expiry is not kept.
    cache.set('old.token.x', alice, now / 1000 - 6);
    expect(cache.get('old.token.x')).toBeUndefined();
  });

  it('holds at most maxEntries tokens, dropping the oldest', () => {
    const now = 1_000_000_000_000;
    const cache = new VerifiedTokenCache({ clockToleranceSeconds: 0, maxEntries: 2 }, () => now);
    cache.set('t1', alice, now / 1000 + 60);
    cache.set('t2', alice, now / 1000 + 60);
    cache.set('t3', alice, now / 1000 + 60);
    expect([cache.get('t1'), cache.get('t2'), cache.get('t3')]).toEqual([undefined, alice, alice]);
  });

  it('lets no token through on the strength of another: a verified token does not vouch for a tampered copy', async () => {
    const genuine = await dev.issue(alice);
    expect(await verify(genuine)).toEqual(alice);
    expect(await verify(genuine)).toEqual(alice);
    const [h, , s] = genuine.split('.');
    const forged = `${h}.${base64url.encode(JSON.stringify({ sub: 'mallory', partner: alice.partner, role: 'regulator', iss: DEV_ISSUER, aud: DEV_AUDIENCE, exp: 9999999999 }))}.${s}`;
    await rejects(forged, /signature/);
    const secret = 'x'.repeat(40);
    const token = await createIdentitySigner(secret)(alice);
    const verifyIdentity = createIdentityVerifier(secret);
    expect(await verifyIdentity(token)).toEqual(alice);
    await expect(verifyIdentity(`${token.slice(0, -2)}AA`)).rejects.toThrow(/signature/);
    expect(await verifyIdentity(token)).toEqual(alice);
  });
});

async function importDevPrivate() {
  const { readFileSync } = await import('node:fs');
  const { importJWK } = await import('jose');
  const stored = JSON.parse(readFileSync(join(dir, 'dev-auth-keys.json'), 'utf8'));
  return importJWK(stored.privateJwk, 'ES256');
}
