/**
 * Attack tests (issue 5, "Hardening" and "Done when"), over real HTTP against a running network:
 * forged, expired, wrong-audience, wrong-issuer, `alg: none` and algorithm-confusion tokens at the
 * gateway; direct calls to the nodes without the gateway's signature; depth, alias, fragment, token,
 * directive and cost bombs; oversized and malformed bodies, CSRF and batching; the per-partner rate
 * limit; production mode (no introspection, no field suggestions, masked internal errors, a real
 * JWKS file); and the timeout on the gateway's fetches to the nodes. Each attack is refused with the right status, and nothing is stored: the events tables of
 * the three nodes keep their row counts, a refused recall leaves the lot unrecalled, and a query
 * refused for its shape never reaches a node.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT, UnsecuredJWT, type CryptoKey, type JWTPayload } from 'jose';
import { loadAuthConfig, type AuthConfig } from '@tracefed/kit/auth/config';
import { DEV_AUDIENCE, DEV_ISSUER } from '@tracefed/kit/auth/dev';
import { claimsOf, type Identity } from '@tracefed/kit/auth/identity';
import { IDENTITY_HEADER } from '@tracefed/kit/auth/tokens';
import { queryRows, sql } from '@tracefed/kit/db/connection';
import { toDigitalLink } from '@tracefed/kit/gs1/index';
import { readSupergraph, startGateway, type RunningGateway } from '@tracefed/gateway';
import { startNetwork, type Network, type NodeName } from './harness.ts';

const NODE_NAMES: NodeName[] = ['manufacturer', 'distributor', 'dispenser', 'logistics'];
let net: Network;
/** HTTP requests each node's server received: a refused query must not reach any node. */
const reached: Record<NodeName, number> = { manufacturer: 0, distributor: 0, dispenser: 0, logistics: 0 };
let devKey: CryptoKey;
let devKid: string;

beforeAll(async () => {
  net = await startNetwork();
  for (const node of NODE_NAMES) net.subgraphs[node].server.on('request', () => (reached[node] += 1));
  devKid = net.auth.dev!.jwks.keys[0]!.kid!;
  devKey = await devPrivateKey(devKid);
});
afterAll(async () => {
  await net?.stop();
});

/**
 * The development identity provider's private key. The harness keeps it in a temporary directory
 * (tracefed-auth-*); the key id picks this network's among those of test files running beside it.
 * Tests need it to sign tokens the provider would never issue (another audience, another issuer).
 */
async function devPrivateKey(kid: string): Promise<CryptoKey> {
  for (const entry of readdirSync(tmpdir())) {
    if (!entry.startsWith('tracefed-auth-')) continue;
    try {
      const stored = JSON.parse(readFileSync(join(tmpdir(), entry, 'dev-auth-keys.json'), 'utf8'));
      if (stored.privateJwk?.kid === kid) return (await importJWK(stored.privateJwk, 'ES256')) as CryptoKey;
    } catch {
      // another process's directory, being created or removed
    }
  }
  throw new Error(`the development key ${kid} was not found under ${tmpdir()}`);
}

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

async function send(url: string, init: RequestInit): Promise<Reply> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not every refusal is JSON
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** POSTs a GraphQL body (an object, or a raw string sent as is). */
function postGraphql(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return send(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const identityOf = (key: string): Identity => {
  const { key: _key, name: _name, ...identity } = net.identities[key]!;
  return identity;
};

/** Row counts of every node's events and capture jobs: "nothing stored" means these do not move. */
async function stored(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const node of NODE_NAMES) {
    const [row] = await queryRows<{ events: number; jobs: number }>(
      net.databases[node].db,
      sql`SELECT (SELECT count(*)::int FROM epcis_event) AS events, (SELECT count(*)::int FROM capture_job) AS jobs`,
    );
    counts[`${node}.epcis_event`] = row!.events;
    counts[`${node}.capture_job`] = row!.jobs;
  }
  return counts;
}

const RECALL = `mutation($gtin: String!, $lot: String!, $reason: String!, $class: RecallClass!) {
  recallLot(gtin: $gtin, lot: $lot, reason: $reason, class: $class) { eventID }
}`;
const LOT_RECALL = `query($gtin: String!, $lot: String!) { lot(gtin: $gtin, lotNumber: $lot) { lotNumber recall { eventID } } }`;
/** The lot the attackers try to recall: Meridian's amlodipine AML2602. */
const target = () => ({ gtin: net.demo.products.amlodipine.gtin, lot: 'AML2602' });
const recallBody = () => ({ query: RECALL, variables: { ...target(), reason: 'forged recall', class: 'CLASS_I' } });

async function recallOfTarget(): Promise<unknown> {
  const { data, errors } = await net.query(LOT_RECALL, target());
  expect(errors).toBeUndefined();
  expect(data.lot.lotNumber).toBe(target().lot);
  return data.lot.recall;
}

/** Signs a partner-shaped token with any key, issuer, audience and lifetime. */
async function partnerToken(options: {
  identity?: Identity;
  key?: CryptoKey | Uint8Array;
  alg?: string;
  kid?: string | null;
  issuer?: string;
  audience?: string;
  expiresAt?: number | string;
  claims?: JWTPayload;
}): Promise<string> {
  const identity = options.identity ?? identityOf('inspectorate');
  const header: { alg: string; kid?: string; typ: string } = { alg: options.alg ?? 'ES256', typ: 'JWT' };
  if (options.kid !== null) header.kid = options.kid ?? devKid;
  return new SignJWT({ ...claimsOf(identity), ...options.claims })
    .setProtectedHeader(header)
    .setIssuer(options.issuer ?? DEV_ISSUER)
    .setAudience(options.audience ?? DEV_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresAt ?? '1h')
    .sign(options.key ?? devKey);
}

/** A refusal at the gateway: 401, a Bearer challenge, a message naming the problem, and no trace of the token. */
function expectUnauthorized(reply: Reply, reason: RegExp, token?: string): void {
  expect(reply.status, reply.text).toBe(401);
  expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer realm="tracefed"/);
  expect(reply.json?.error).toMatch(reason);
  if (token) {
    const [header, payload, signature] = token.split('.');
    for (const part of [token, header, payload, signature]) if (part) expect(reply.text).not.toContain(part);
  }
}

describe('the gateway refuses every request without a valid partner token (401, WWW-Authenticate)', () => {
  let before: Record<string, number>;
  beforeAll(async () => {
    before = await stored();
    expect(await recallOfTarget()).toBeNull();
  });

  it('accepts the genuine token (the control: the same request with a valid token gets through)', async () => {
    const reply = await postGraphql(net.gateway.url, { query: '{ products { gtin } }' }, await net.authHeaders('inspectorate'));
    expect(reply.status).toBe(200);
    expect(reply.json.data.products.length).toBeGreaterThan(0);
  });

  it('no token: 401 telling the caller how to authenticate', async () => {
    const reply = await postGraphql(net.gateway.url, recallBody());
    expectUnauthorized(reply, /authentication required: send "Authorization: Bearer <JWT>"/);
    const get = await send(`${net.gateway.url}?query=${encodeURIComponent('{ products { gtin } }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expectUnauthorized(get, /authentication required/);
  });

  it('the verification endpoint (gateway and manufacturer node) needs a valid token as well', async () => {
    const unit = net.demo.pallets[0]!.units[0]!;
    const path = `/verification/gtin/${unit.gtin}/lot/${unit.lot}/ser/${unit.serial}`;
    const stranger = await generateKeyPair('ES256');
    const forged = await partnerToken({ key: stranger.privateKey });
    for (const base of [net.gateway.url, net.subgraphs.manufacturer.url]) {
      const url = new URL(path, base).toString();
      expectUnauthorized(await send(url, {}), /authentication required/);
      expectUnauthorized(await send(url, { headers: bearer(forged) }), /token signature is invalid/, forged);
      const genuine = await send(url, { headers: await net.authHeaders('linden') });
      expect(genuine.status, genuine.text).toBe(200);
      expect(genuine.json.data.verified).toBe(true);
    }
  });

  it('malformed Authorization headers: 401 naming the expected form', async () => {
    const genuine = await net.token('inspectorate');
    for (const header of [
      `Basic ${Buffer.from('meridian:secret').toString('base64')}`,
      'Bearer',
      `Bearer ${genuine} extra`,
      `Token ${genuine}`,
      `Bearer ${genuine.replaceAll('.', '!')}`,
    ]) {
      const reply = await postGraphql(net.gateway.url, recallBody(), { authorization: header });
      expectUnauthorized(reply, /Authorization header must be "Bearer <JWT>"/, genuine);
    }
    const notAJwt = await postGraphql(net.gateway.url, recallBody(), bearer('abc.def'));
    expectUnauthorized(notAJwt, /token is invalid/);
  });

  it('a token forged with another key pair under the provider\'s kid, issuer and audience: 401 "signature is invalid"', async () => {
    const stranger = await generateKeyPair('ES256');
    const forged = await partnerToken({ key: stranger.privateKey });
    expectUnauthorized(await postGraphql(net.gateway.url, recallBody(), bearer(forged)), /token signature is invalid/, forged);
    // A genuine token whose claims were rewritten (role raised to regulator) keeps a signature that no longer matches.
    const genuine = await net.token('linden');
    const [h, , s] = genuine.split('.');
    const payload = Buffer.from(JSON.stringify({ ...decodeJwt(genuine), role: 'regulator' })).toString('base64url');
    const tampered = `${h}.${payload}.${s}`;
    expectUnauthorized(await postGraphql(net.gateway.url, recallBody(), bearer(tampered)), /token signature is invalid/, tampered);
    // A key id the provider never published.
    const unknownKid = await partnerToken({ key: stranger.privateKey, kid: 'not-a-published-key' });
    expectUnauthorized(await postGraphql(net.gateway.url, recallBody(), bearer(unknownKid)), /unknown key/, unknownKid);
  });

  it('an expired token: 401 "token has expired" (beyond the clock skew)', async () => {
    const expired = await net.auth.dev!.issue(identityOf('inspectorate'), '-2 minutes');
    expectUnauthorized(await postGraphql(net.gateway.url, recallBody(), bearer(expired)), /token has expired/, expired);
    const notYet = await partnerToken({ claims: { nbf: Math.floor(Date.now() / 1000) + 600 } });
    expectUnauthorized(await postGraphql(net.gateway.url, recallBody(), bearer(notYet)), /"nbf"/, notYet);
  });

  it('a token for another audience or from another issuer, signed by the provider\'s own key: 401 naming the claim', async () => {
    const audience = await partnerToken({ audience: 'some-other-service' });
    expectUnauthorized(await postGraphql(net.gateway.url, recallBody(), bearer(audience)), /claim "aud"/, audience);
    const issuer = await partnerToken({ issuer: 'https://idp.attacker.example' });
    expectUnauthorized(await postGraphql(net.gateway.url, recallBody(), bearer(issuer)), /claim "iss"/, issuer);
    // The same signing path with the right audience and issuer is accepted: the refusals above are about the claims.
    const right = await partnerToken({});
    expect((await postGraphql(net.gateway.url, { query: '{ __typename }' }, bearer(right))).status).toBe(200);
  });

  it('an unsigned token (alg: none): 401 "algorithm is not allowed"', async () => {
    const none = new UnsecuredJWT(claimsOf(identityOf('inspectorate')))
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .encode();
    expectUnauthorized(await postGraphql(net.gateway.url, recallBody(), bearer(none)), /token algorithm is not allowed/, none);
    // Also with the provider's kid and a trailing empty signature, as some libraries write it.
    const header = Buffer.from(JSON.stringify({ alg: 'none', kid: devKid, typ: 'JWT' })).toString('base64url');
    const withKid = `${header}.${none.split('.')[1]}.`;
    expectUnauthorized(await postGraphql(net.gateway.url, recallBody(), bearer(withKid)), /token algorithm is not allowed/, withKid);
  });

  it('algorithm confusion: HS256 keyed with the public key, or with the gateway-to-node secret: 401', async () => {
    const jwk = net.auth.dev!.jwks.keys[0]!;
    const pem = await exportSPKI((await importJWK(jwk, 'ES256')) as CryptoKey);
    for (const secret of [pem, JSON.stringify(jwk), net.auth.dev!.internalSecret]) {
      const confused = await partnerToken({ alg: 'HS256', key: new TextEncoder().encode(secret) });
      expectUnauthorized(await postGraphql(net.gateway.url, recallBody(), bearer(confused)), /token algorithm is not allowed/, confused);
    }
    // The identity the gateway signs for the nodes is no partner token either.
    const internal = await net.auth.signIdentity(identityOf('inspectorate'));
    expectUnauthorized(await postGraphql(net.gateway.url, recallBody(), bearer(internal)), /token algorithm is not allowed/, internal);
  });

  it('nothing was stored by any of these attempts, and the lot is not recalled', async () => {
    expect(await stored()).toEqual(before);
    expect(await recallOfTarget()).toBeNull();
  });
});

describe('a node answers GraphQL only for the gateway', () => {
  const graphqlAttacks = [
    { name: '_service { sdl }', body: { query: '{ _service { sdl } }' } },
    {
      name: '_entities',
      body: {
        query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on SerializedUnit { gtin serial } } }',
        variables: { r: [{ __typename: 'SerializedUnit', gtin: '04061234100019', serial: 'X' }] },
      },
    },
    { name: 'an ordinary query', body: { query: '{ __typename }' } },
  ];

  it('the control: what the gateway would send (a fresh signed identity) is answered', async () => {
    for (const node of NODE_NAMES) {
      const reply = await postGraphql(net.subgraphs[node].url, { query: '{ _service { sdl } }' }, {
        [IDENTITY_HEADER]: await net.auth.signIdentity(identityOf('inspectorate')),
      });
      expect(reply.status).toBe(200);
      expect(reply.json.data._service.sdl).toContain('type Query');
    }
  });

  it('no signed identity: 401 for _service, _entities and any other operation, on POST and GET', async () => {
    for (const node of NODE_NAMES) {
      for (const attack of graphqlAttacks) {
        const reply = await postGraphql(net.subgraphs[node].url, attack.body);
        expect(reply.status, `${node} ${attack.name}`).toBe(401);
        expect(reply.json.error).toMatch(/answers GraphQL only for the tracefed gateway.*x-tracefed-identity/);
        expect(reply.text).not.toContain('type Query');
      }
      const get = await send(`${net.subgraphs[node].url}?query=${encodeURIComponent('{ _service { sdl } }')}`, {
        headers: { 'apollo-require-preflight': 'true' },
      });
      expect(get.status).toBe(401);
    }
  });

  it('a partner\'s own bearer token is not the gateway\'s signature: 401', async () => {
    for (const node of NODE_NAMES) {
      const reply = await postGraphql(net.subgraphs[node].url, { query: '{ _service { sdl } }' }, await net.authHeaders('inspectorate'));
      expect(reply.status).toBe(401);
      expect(reply.json.error).toMatch(/gateway-signed x-tracefed-identity/);
    }
    // Nor is a partner token smuggled into the identity header.
    const token = await net.token('inspectorate');
    const smuggled = await postGraphql(net.subgraphs.manufacturer.url, { query: '{ _service { sdl } }' }, { [IDENTITY_HEADER]: token });
    expect(smuggled.status).toBe(401);
    expect(smuggled.json.error).toMatch(/gateway identity refused: token algorithm is not allowed/);
    expect(smuggled.text).not.toContain(token);
  });

  it('a forged, expired, unsigned or misaddressed identity header: 401 naming the problem', async () => {
    const genuine = await net.auth.signIdentity(identityOf('inspectorate'));
    const { iss, aud } = decodeJwt(genuine);
    const sign = (secret: string, options: { exp?: number | string; audience?: string } = {}) =>
      new SignJWT(claimsOf(identityOf('inspectorate')))
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(String(iss))
        .setAudience(options.audience ?? (aud as string))
        .setIssuedAt()
        .setExpirationTime(options.exp ?? '1m')
        .sign(new TextEncoder().encode(secret));
    const cases: Array<[string, string, RegExp]> = [
      ['another secret', await sign('a-secret-the-attacker-chose-of-40-characters'), /signature is invalid/],
      ['expired', await sign(net.auth.dev!.internalSecret, { exp: Math.floor(Date.now() / 1000) - 60 }), /has expired/],
      ['another audience', await sign(net.auth.dev!.internalSecret, { audience: 'tracefed-gateway' }), /claim "aud"/],
      [
        'alg none',
        new UnsecuredJWT(claimsOf(identityOf('inspectorate'))).setIssuer(String(iss)).setAudience(aud as string).setExpirationTime('1m').encode(),
        /algorithm is not allowed/,
      ],
    ];
    for (const node of NODE_NAMES) {
      for (const [name, header, reason] of cases) {
        const reply = await postGraphql(net.subgraphs[node].url, { query: '{ _service { sdl } }' }, { [IDENTITY_HEADER]: header });
        expect(reply.status, `${node}: ${name}`).toBe(401);
        expect(reply.json.error).toMatch(/^gateway identity refused: /);
        expect(reply.json.error).toMatch(reason);
        expect(reply.text).not.toContain(header);
      }
    }
  });

  it('a recall sent straight to the manufacturer node with a forged identity is refused and not recorded', async () => {
    const before = await stored();
    const forged = await new SignJWT(claimsOf(identityOf('inspectorate')))
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('tracefed-gateway')
      .setAudience('tracefed-subgraph')
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode('b'.repeat(40)));
    const reply = await postGraphql(net.subgraphs.manufacturer.url, recallBody(), { [IDENTITY_HEADER]: forged });
    expect(reply.status).toBe(401);
    const unsigned = await postGraphql(net.subgraphs.manufacturer.url, recallBody(), await net.authHeaders('meridian'));
    expect(unsigned.status).toBe(401);
    expect(await stored()).toEqual(before);
    expect(await recallOfTarget()).toBeNull();
  });

  it('POST /epcis/capture without a valid partner token: 401 and nothing stored; with it, the same document is captured', async () => {
    const rosen = net.demo.parties.rosen;
    const document = JSON.stringify({
      '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'],
      type: 'EPCISDocument',
      schemaVersion: '2.0',
      creationDate: '2026-11-28T10:00:00Z',
      epcisBody: {
        eventList: [
          {
            type: 'ObjectEvent',
            eventID: `urn:uuid:${randomUUID()}`,
            eventTime: '2026-11-28T10:00:00+01:00',
            eventTimeZoneOffset: '+01:00',
            action: 'OBSERVE',
            epcList: [],
            readPoint: { id: toDigitalLink({ kind: 'sgln', gln: rosen.site.gln }) },
          },
        ],
      },
    });
    const capture = (headers: Record<string, string>) =>
      send(new URL('/epcis/capture', net.subgraphs.dispenser.url).toString(), {
        method: 'POST',
        headers: { 'content-type': 'application/ld+json', ...headers },
        body: document,
      });
    const before = await stored();
    const stranger = await generateKeyPair('ES256');
    const refusals: Array<[string, Record<string, string>, RegExp]> = [
      ['no token', {}, /authentication required/],
      ['the old partner header', { 'x-tracefed-partner': rosen.gln }, /authentication required/],
      ['a malformed header', { authorization: 'Basic cm9zZW46cm9zZW4=' }, /Authorization header must be "Bearer <JWT>"/],
      ['a forged token', bearer(await partnerToken({ identity: identityOf('rosen'), key: stranger.privateKey })), /signature is invalid/],
      ['an expired token', bearer(await net.auth.dev!.issue(identityOf('rosen'), '-2 minutes')), /has expired/],
      ['a forged gateway identity', { [IDENTITY_HEADER]: await partnerToken({ identity: identityOf('rosen'), alg: 'HS256', key: new TextEncoder().encode('c'.repeat(40)) }) }, /gateway identity refused/],
    ];
    for (const [name, headers, reason] of refusals) {
      const reply = await capture(headers);
      expect(reply.status, name).toBe(401);
      expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(reply.json).toMatchObject({ type: 'epcisException:SecurityException', status: 401 });
      expect(reply.json.detail).toMatch(reason);
    }
    expect(await stored()).toEqual(before);
    const accepted = await capture(await net.authHeaders('rosen'));
    expect(accepted.status, accepted.text).toBe(202);
    const after = await stored();
    expect(after['dispenser.epcis_event']).toBe(before['dispenser.epcis_event']! + 1);
  });
});

/** A query refused for its shape: 400, the limit named, and no node reached or queried. */
async function expectRefusedBeforeExecution(query: string, message: RegExp, code = 'GRAPHQL_VALIDATION_FAILED') {
  const requests = { ...reached };
  const statements = NODE_NAMES.map((n) => net.databases[n].statements.count);
  const reply = await postGraphql(net.gateway.url, { query }, await net.authHeaders('inspectorate'));
  expect(reply.status, reply.text.slice(0, 500)).toBe(400);
  expect(reply.json.data).toBeUndefined();
  expect(reply.json.errors.map((e: any) => e.message).join('\n')).toMatch(message);
  expect(reply.json.errors[0].extensions.code).toBe(code);
  expect(reached).toEqual(requests);
  expect(NODE_NAMES.map((n) => net.databases[n].statements.count)).toEqual(statements);
  return reply;
}

describe('query shape limits refuse bombs before execution (400)', () => {
  const lot = () => `lot(gtin: "${target().gtin}", lotNumber: "${target().lot}")`;

  it('the control: a query within every limit reaches the nodes', async () => {
    const requests = reached.manufacturer;
    const reply = await postGraphql(net.gateway.url, { query: `{ ${lot()} { lotNumber components { gtin consumedBy { lotNumber } } } }` }, await net.authHeaders('inspectorate'));
    expect(reply.status).toBe(200);
    expect(reply.json.errors).toBeUndefined();
    expect(reached.manufacturer).toBeGreaterThan(requests);
  });

  it('a depth bomb (lot → components → consumedBy → components …, 18 levels deep)', async () => {
    let inner = 'lotNumber';
    for (let i = 0; i < 8; i += 1) inner = `components { consumedBy { ${inner} } }`;
    await expectRefusedBeforeExecution(`{ ${lot()} { ${inner} } }`, /depth limit of 12 exceeded/i);
  });

  it('an alias bomb (100 aliases of the same field)', async () => {
    const aliases = Array.from({ length: 100 }, (_, i) => `a${i}: products { gtin }`).join(' ');
    await expectRefusedBeforeExecution(`{ ${aliases} }`, /aliases limit of 15 exceeded/i);
  });

  it('a fragment bomb: fragments that spread each other', async () => {
    await expectRefusedBeforeExecution(
      '{ products { ...A } } fragment A on Product { gtin ...B } fragment B on Product { name ...A }',
      /Cannot spread fragment "A" within itself via "B"/,
    );
  });

  it('a fragment bomb: each fragment spreads the next twice (2^24 fields once expanded)', async () => {
    const fragments = Array.from({ length: 24 }, (_, i) => `fragment F${i} on Product { ...F${i + 1} ...F${i + 1} }`).join(' ');
    const query = `{ products { ...F0 } } ${fragments} fragment F24 on Product { gtin }`;
    await expectRefusedBeforeExecution(query, /limit of \d+ exceeded/i);
  });

  it('a fragment bomb: one fragment spread a thousand times', async () => {
    const spreads = Array.from({ length: 1000 }, () => '...F').join(' ');
    await expectRefusedBeforeExecution(`{ products { ${spreads} } } fragment F on Product { gtin }`, /Document contains more th\w+ 2000 tokens/, 'GRAPHQL_PARSE_FAILED');
  });

  it('a token bomb (a very long query, under the body limit)', async () => {
    const fields = Array.from({ length: 5000 }, () => 'gtin').join(' ');
    await expectRefusedBeforeExecution(`{ products { ${fields} } }`, /Document contains more th\w+ 2000 tokens/, 'GRAPHQL_PARSE_FAILED');
  });

  it('a directive overload (50 directives on one field)', async () => {
    const directives = Array.from({ length: 50 }, () => '@include(if: true)').join(' ');
    await expectRefusedBeforeExecution(`{ products { gtin ${directives} } }`, /directives limit of 20 exceeded/i);
  });

  it('a cost bomb (within depth, alias and token limits: a million sales with their parties)', async () => {
    await expectRefusedBeforeExecution(
      '{ sales(first: 1000000) { eventID soldAt seller { gln name } buyer { gln name } unitPrice currency } }',
      /cost limit of 50000 exceeded/i,
    );
  });
});

describe('bodies and transports', () => {
  it('a body over the gateway\'s 256 KiB limit: 413, and nothing reaches a node', async () => {
    const requests = { ...reached };
    const query = `{ products { gtin } } # ${'x'.repeat(300 * 1024)}`;
    const reply = await postGraphql(net.gateway.url, { query }, await net.authHeaders('inspectorate'));
    expect(reply.status).toBe(413);
    expect(reply.json.error).toMatch(/request body exceeds the limit of 262144 bytes/);
    expect(reached).toEqual(requests);
    // Without a token the caller learns nothing more than 401: authentication comes before the body.
    const anonymous = await postGraphql(net.gateway.url, { query });
    expect(anonymous.status).toBe(401);
  });

  it('malformed JSON: 400 naming the JSON problem', async () => {
    const reply = await postGraphql(net.gateway.url, '{"query": "{ products { gtin } }"', await net.authHeaders('inspectorate'));
    expect(reply.status).toBe(400);
    expect(reply.json.error).toMatch(/^request body is not valid JSON: .+/);
  });

  it('malformed GraphQL: 400 GRAPHQL_PARSE_FAILED with the position', async () => {
    const reply = await postGraphql(net.gateway.url, { query: '{ products { gtin }' }, await net.authHeaders('inspectorate'));
    expect(reply.status).toBe(400);
    expect(reply.json.errors[0]).toMatchObject({ extensions: { code: 'GRAPHQL_PARSE_FAILED' }, locations: [{ line: 1 }] });
    expect(reply.json.errors[0].message).toMatch(/^Syntax Error: Expected Name, found <EOF>/);
    const notAString = await postGraphql(net.gateway.url, { query: { products: 'gtin' } }, await net.authHeaders('inspectorate'));
    expect(notAString.status).toBe(400);
    expect(notAString.text).toMatch(/query.*string/i);
  });

  it('a mutation over GET is refused (405), and the lot is not recalled', async () => {
    const before = await stored();
    const params = new URLSearchParams({ query: RECALL, variables: JSON.stringify(recallBody().variables) });
    const reply = await send(`${net.gateway.url}?${params}`, { headers: { ...(await net.authHeaders('meridian')), 'apollo-require-preflight': 'true' } });
    expect(reply.status).toBe(405);
    expect(reply.json.errors[0].message).toBe('GET requests only support query operations, not mutation operations');
    expect(await stored()).toEqual(before);
    expect(await recallOfTarget()).toBeNull();
  });

  it('CSRF prevention: a simple request (text/plain, form, or GET without a preflight header) is blocked with 400', async () => {
    const before = await stored();
    const headers = await net.authHeaders('meridian');
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const reply = await postGraphql(net.gateway.url, recallBody(), { ...headers, 'content-type': contentType });
      expect(reply.status, contentType).toBe(400);
      expect(reply.text).toMatch(/Cross-Site Request Forgery/);
    }
    const get = await send(`${net.gateway.url}?query=${encodeURIComponent('{ products { gtin } }')}`, { headers });
    expect(get.status).toBe(400);
    expect(get.text).toMatch(/Cross-Site Request Forgery/);
    expect(await stored()).toEqual(before);
    expect(await recallOfTarget()).toBeNull();
  });

  it('a batched array body is refused (batching is off)', async () => {
    const requests = { ...reached };
    const reply = await postGraphql(net.gateway.url, [recallBody(), { query: '{ products { gtin } }' }], await net.authHeaders('meridian'));
    expect(reply.status).toBe(400);
    expect(reply.text).toMatch(/batching/i);
    expect(reached).toEqual(requests);
    expect(await recallOfTarget()).toBeNull();
  });

  it('the control for every refused recall above: the manufacturer\'s own POST records it', async () => {
    const before = await stored();
    const reply = await postGraphql(net.gateway.url, recallBody(), await net.authHeaders('meridian'));
    expect(reply.status).toBe(200);
    expect(reply.json.errors).toBeUndefined();
    expect(await recallOfTarget()).toEqual({ eventID: reply.json.data.recallLot.eventID });
    expect((await stored())['manufacturer.epcis_event']).toBe(before['manufacturer.epcis_event']! + 1);
  });
});

describe('per-partner rate limit', () => {
  let limited: RunningGateway;
  beforeAll(async () => {
    limited = await startGateway({
      supergraphSdl: readSupergraph(),
      auth: net.auth,
      subgraphUrls: Object.fromEntries(NODE_NAMES.map((n) => [n, net.subgraphs[n].url])),
      rateLimit: { perMinute: 60, burst: 3 },
    });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  it('the 4th immediate request of one partner gets 429 with Retry-After; another partner is still served', async () => {
    const northline = await net.authHeaders('northline');
    // `{ __typename }` is answered by the gateway itself: the requests are as quick as requests get.
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await postGraphql(limited.url, { query: '{ __typename }' }, northline)).status);
    expect(statuses).toEqual([200, 200, 200]);
    const refused = await postGraphql(limited.url, { query: '{ __typename }' }, northline);
    expect(refused.status).toBe(429);
    const retryAfter = refused.headers.get('retry-after');
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(refused.json.error).toMatch(/rate limit of 60 requests per minute exceeded for partner 4012345000009/);

    const harbor = await postGraphql(limited.url, { query: '{ __typename }' }, await net.authHeaders('harbor'));
    expect(harbor.status).toBe(200);
    // Requests that fail authentication do not spend a partner's allowance, nor get a 429.
    expect((await postGraphql(limited.url, { query: '{ __typename }' })).status).toBe(401);
  });
});

describe('production mode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tracefed-prod-idp-'));
  const ISSUER = 'https://idp.partner-network.example';
  const AUDIENCE = 'tracefed-production';
  let idpKey: CryptoKey;
  let prodAuth: AuthConfig;
  let production: RunningGateway;
  let development: RunningGateway;
  let broken: TcpServer;
  let brokenUrl: string;
  const idpToken = (identity: Identity) =>
    new SignJWT(claimsOf(identity)).setProtectedHeader({ alg: 'RS256', kid: 'idp-2026' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('10m').sign(idpKey);

  beforeAll(async () => {
    // An identity provider's JWKS, as a file: an RSA key (the dev provider uses EC).
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    idpKey = privateKey;
    const jwksFile = join(dir, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'idp-2026', alg: 'RS256', use: 'sig' }] }));
    prodAuth = await loadAuthConfig({
      TRACEFED_MODE: 'production',
      TRACEFED_JWKS_FILE: jwksFile,
      TRACEFED_JWT_ISSUER: ISSUER,
      TRACEFED_JWT_AUDIENCE: AUDIENCE,
      // The nodes of this network verify the gateway's signature with this secret.
      TRACEFED_INTERNAL_SECRET: net.auth.dev!.internalSecret,
    });
    // A dispenser node that accepts connections and drops them: an honest internal failure.
    broken = createTcpServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    const { port } = broken.address() as { port: number };
    brokenUrl = `http://127.0.0.1:${port}/graphql`;
    const subgraphUrls = { manufacturer: net.subgraphs.manufacturer.url, distributor: net.subgraphs.distributor.url, dispenser: brokenUrl };
    production = await startGateway({ supergraphSdl: readSupergraph(), auth: prodAuth, subgraphUrls });
    development = await startGateway({ supergraphSdl: readSupergraph(), auth: net.auth, subgraphUrls });
  });
  afterAll(async () => {
    await production?.stop();
    await development?.stop();
    await new Promise<void>((resolve) => (broken ? broken.close(() => resolve()) : resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the identity provider from the JWKS file: its tokens are verified end to end, the dev provider\'s are not', async () => {
    expect(prodAuth.production).toBe(true);
    expect(prodAuth.dev).toBeUndefined();
    const token = await idpToken(identityOf('meridian'));
    expect(await prodAuth.verifyPartnerToken(token)).toEqual(identityOf('meridian'));
    const reply = await postGraphql(production.url, { query: `{ lot(gtin: "${target().gtin}", lotNumber: "AML2601") { lotNumber product { gtin } } }` }, bearer(token));
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ data: { lot: { lotNumber: 'AML2601', product: { gtin: target().gtin } } } });
    const devToken = await net.token('meridian');
    const refused = await postGraphql(production.url, { query: '{ __typename }' }, bearer(devToken));
    expectUnauthorized(refused, /unknown key|claim "iss"/, devToken);
  });

  it('refuses introspection (development allows it)', async () => {
    const query = '{ __schema { queryType { name } } }';
    const dev = await postGraphql(development.url, { query }, await net.authHeaders('meridian'));
    expect(dev.json.data.__schema.queryType.name).toBe('Query');
    const prod = await postGraphql(production.url, { query }, bearer(await idpToken(identityOf('meridian'))));
    expect(prod.status).toBe(400);
    expect(prod.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(prod.json.errors[0].message).toMatch(/introspection is not allowed/i);
    expect(prod.json.data).toBeUndefined();
  });

  it('gives no field suggestions in validation errors (development does)', async () => {
    const query = '{ prodcts { gtin } }';
    const dev = await postGraphql(development.url, { query }, await net.authHeaders('meridian'));
    expect(dev.json.errors[0].message).toMatch(/Did you mean "products"/);
    const prod = await postGraphql(production.url, { query }, bearer(await idpToken(identityOf('meridian'))));
    expect(prod.status).toBe(400);
    expect(prod.json.errors[0].message).toMatch(/Cannot query field "prodcts" on type "Query"/);
    expect(prod.text).not.toMatch(/Did you mean/);
    expect(prod.text).not.toMatch(/"products"/);
  });

  it('masks an internal error: no URL, port, network error or stack (development shows them)', async () => {
    const linden = identityOf('linden');
    const query = `{ dispenses(gln: "${linden.partner}") { eventID } }`;
    const { port } = broken.address() as { port: number };
    const dev = await postGraphql(development.url, { query }, await net.authHeaders('linden'));
    expect(dev.json.errors.length).toBeGreaterThan(0);
    expect(dev.text).toMatch(new RegExp(`${port}|socket|ECONNRESET|fetch failed`, 'i'));
    const prod = await postGraphql(production.url, { query }, bearer(await idpToken(linden)));
    expect(prod.json.data?.dispenses ?? null).toBeNull();
    expect(prod.json.errors.length).toBeGreaterThan(0);
    for (const error of prod.json.errors) {
      expect(error.message).toBe('internal server error');
      expect(error.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    }
    for (const leak of [String(port), brokenUrl, '127.0.0.1', 'socket', 'ECONNRESET', 'fetch failed', 'stacktrace', 'dispenser']) {
      expect(prod.text).not.toContain(leak);
    }
  });
});

describe('gateway-to-node fetches', () => {
  let silent: TcpServer;
  const held = new Set<Socket>();
  let gateway: RunningGateway;
  beforeAll(async () => {
    // A dispenser node that accepts the connection and never answers.
    silent = createTcpServer((socket) => {
      held.add(socket);
      socket.on('close', () => held.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    gateway = await startGateway({
      supergraphSdl: readSupergraph(),
      auth: net.auth,
      subgraphUrls: { manufacturer: net.subgraphs.manufacturer.url, distributor: net.subgraphs.distributor.url, dispenser: `http://127.0.0.1:${port}/graphql` },
      subgraphTimeoutMs: 500,
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    for (const socket of held) socket.destroy();
    await new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve()));
  });

  it('gives up on a node that does not answer after the timeout, and the other nodes are still served', async () => {
    const linden = identityOf('linden');
    const started = Date.now();
    const reply = await postGraphql(gateway.url, { query: `{ dispenses(gln: "${linden.partner}") { eventID } }` }, await net.authHeaders('linden'));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(5000);
    expect(reply.json.data).toEqual({ dispenses: null });
    expect(reply.json.errors[0].message).toMatch(/did not answer within 500 ms/);
    const other = await postGraphql(gateway.url, { query: '{ products { gtin } }' }, await net.authHeaders('linden'));
    expect(other.json.errors).toBeUndefined();
    expect(other.json.data.products.length).toBeGreaterThan(0);
  });
});
