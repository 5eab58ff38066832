/**
 * EPCIS 2.0 capture over real HTTP on every node: jobs, refusals with every problem, atomicity,
 * idempotency (event IDs and event hashes), limits, business anomalies (stored and flagged, visible in
 * GraphQL), error declarations that retract events so traces follow the corrective ones, and who may
 * capture what: the capturing partner is the one its bearer token names, into its own role's node, for
 * events at its own locations.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { base64url, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_AUDIENCE, DEV_ISSUER } from '@tracefed/kit/auth/dev';
import { createIdentitySigner, IDENTITY_HEADER } from '@tracefed/kit/auth/tokens';
import { queryRows } from '@tracefed/kit/db/connection';
import { eventHashId } from '@tracefed/kit/epcis/hash';
import { formatSglnUrn, formatSgtinUrn, formatSsccUrn, toDigitalLink, computeCheckDigit } from '@tracefed/kit/gs1/index';
import { startSubgraph, type RunningSubgraph } from '@tracefed/kit/server/subgraph';
import * as dispenser from '@tracefed/dispenser';
import { startNetwork, type Network, type NodeName } from './harness.ts';

const EPCIS_CONTEXT = 'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld';
const CPL = 7;
let net: Network;

beforeAll(async () => {
  net = await startNetwork();
});
afterAll(async () => {
  await net?.stop();
});

const document = (events: unknown[]) => ({
  '@context': [EPCIS_CONTEXT, { tf: 'https://ns.tracefed.org/epcis/' }],
  type: 'EPCISDocument',
  schemaVersion: '2.0',
  creationDate: '2026-11-28T10:00:00Z',
  epcisBody: { eventList: events },
});

interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

/** The bearer token of the demo partner with this GLN, as an Authorization header. */
const bearer = async (gln: string) => ({ authorization: `Bearer ${await net.tokenOfGln(gln)}` });

async function post(base: string, credentials: Record<string, string>, body: unknown, contentType = 'application/ld+json'): Promise<Reply> {
  const response = await fetch(new URL('/epcis/capture', base), {
    method: 'POST',
    headers: { 'content-type': contentType, ...credentials },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

/** Captures as the demo partner with this GLN (its own token). */
const capture = async (node: NodeName, partner: string, body: unknown) => post(net.subgraphs[node].url, await bearer(partner), body);

/** GETs an EPCIS resource as a demo identity (a key: meridian, fraud-unit, ...). */
async function get(node: NodeName, path: string, as: string): Promise<Reply> {
  const response = await fetch(new URL(path, net.subgraphs[node].url), { headers: await net.authHeaders(as) });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

const uuid = () => `urn:uuid:${randomUUID()}`;
const time = (iso: string) => ({ eventTime: `${iso}+01:00`, eventTimeZoneOffset: '+01:00' });
const sgtinUrn = (u: { gtin: string; serial: string }) => formatSgtinUrn(u.gtin, u.serial, CPL);
const sgtinLink = (u: { gtin: string; serial: string }, host?: string) => toDigitalLink({ kind: 'sgtin', gtin: u.gtin, serial: u.serial }, host);
const partyUrn = (gln: string) => `urn:epc:id:pgln:${gln.slice(0, CPL)}.${gln.slice(CPL, 12)}`;

async function countEvents(node: NodeName, eventIds: string[]): Promise<Record<string, number>> {
  const rows = await queryRows<{ event_id: string; n: number }>(
    net.databases[node].db,
    sql`SELECT event_id, count(*)::int AS n FROM epcis_event WHERE event_id = ANY(${sql.param(eventIds)}::text[]) GROUP BY event_id`,
  );
  return Object.fromEntries(eventIds.map((id) => [id, rows.find((r) => r.event_id === id)?.n ?? 0]));
}

describe('POST /epcis/capture', () => {
  it('the demo was captured through this endpoint: one capture job per document, its anomaly reports stored as flags', async () => {
    for (const node of ['manufacturer', 'distributor', 'dispenser'] as const) {
      const jobs = await queryRows<{ result: any; partner_gln: string }>(net.databases[node].db, sql`SELECT result, partner_gln FROM capture_job`);
      const [flags] = await queryRows<{ n: number }>(net.databases[node].db, sql`SELECT count(*)::int AS n FROM event_anomaly`);
      const documents = net.demo.documents.filter((d) => d.node === node);
      expect(jobs.length, node).toBe(documents.length);
      // Each job belongs to the partner whose token sent it: the document's writer.
      expect(new Set(jobs.map((j) => j.partner_gln)), node).toEqual(new Set(documents.map((d) => d.owner)));
      const reported = jobs.reduce((n, j) => n + (typeof j.result === 'string' ? JSON.parse(j.result) : j.result).anomalies.length, 0);
      expect(flags?.n, node).toBe(reported);
    }
  });

  it('accepts a document with 202, a Location and a capture job resource', async () => {
    const m = net.demo.parties.meridian;
    const unit = net.demo.units[0]!;
    const eventID = uuid();
    const reply = await capture('manufacturer', m.gln, document([
      { type: 'ObjectEvent', eventID, ...time('2026-05-01T10:00:00'), action: 'OBSERVE', bizStep: 'inspecting', epcList: [sgtinUrn(unit)] },
    ]));
    expect(reply.status).toBe(202);
    const location = reply.headers.get('location');
    expect(location).toMatch(/^\/epcis\/capture\/[0-9a-f-]{36}$/);
    expect(reply.body).toMatchObject({ success: true, running: false, partner: m.gln, capturedEventIDs: [eventID], alreadyKnownEventIDs: [] });
    const job = await get('manufacturer', location!, 'meridian');
    expect(job.status).toBe(200);
    expect(job.body).toEqual(reply.body);
    expect(job.body.counts).toEqual({ events: 1, captured: 1, alreadyKnown: 0, retracted: 0, anomalies: 0, masterDataElements: 0 });
    expect((await get('manufacturer', '/epcis/capture/no-such-job', 'meridian')).status).toBe(404);
  });

  it('needs a partner token: 401 without one, or with a malformed, forged or expired one, and nothing stored', async () => {
    const eventID = uuid();
    const body = document([{ type: 'ObjectEvent', eventID, ...time('2026-05-01T10:00:00'), action: 'OBSERVE', epcList: [] }]);
    const northline = net.identities.northline!;
    const genuine = await net.token('northline');
    const [header, payload, signature] = genuine.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    // Northline's own token, its partner claim changed to Harbor's GLN: the signature no longer matches.
    const tampered = `${header}.${base64url.encode(JSON.stringify({ ...claims, partner: net.demo.parties.harbor.gln }))}.${signature}`;
    // A well-formed token under the provider's key id, signed by a key the provider never had.
    const stranger = await generateKeyPair('ES256');
    const foreignKey = await new SignJWT({ partner: northline.partner, role: 'distributor' })
      .setSubject('mallory')
      .setProtectedHeader({ alg: 'ES256', kid: net.auth.dev!.jwks.keys[0]!.kid! })
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setExpirationTime('1h')
      .sign(stranger.privateKey);
    const expired = await net.auth.dev!.issue(northline, '-1h');
    const otherSecret = createIdentitySigner('s'.repeat(40));
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['no credentials', {}, /authentication required: send "Authorization: Bearer <JWT>"/],
      // The partner header of old names no one: the capturing partner is the token's partner claim.
      ['the retired X-Tracefed-Partner header', { 'x-tracefed-partner': northline.partner }, /authentication required/],
      ['a Basic credential', { authorization: 'Basic bm9ydGhsaW5lOnNlY3JldA==' }, /Authorization header must be "Bearer <JWT>"/],
      ['a token that is no JWT', { authorization: 'Bearer not.a.jwt' }, /token is invalid/],
      ['a tampered token', { authorization: `Bearer ${tampered}` }, /token signature is invalid/],
      ['a token signed by another key', { authorization: `Bearer ${foreignKey}` }, /token signature is invalid/],
      ['an expired token', { authorization: `Bearer ${expired}` }, /token has expired/],
      ['a gateway identity under another secret', { [IDENTITY_HEADER]: await otherSecret(northline) }, /gateway identity refused: token signature is invalid/],
    ];
    for (const [what, credentials, detail] of cases) {
      const reply = await post(net.subgraphs.distributor.url, credentials, body);
      expect(reply.status, what).toBe(401);
      expect(reply.headers.get('content-type'), what).toBe('application/problem+json');
      expect(reply.headers.get('www-authenticate'), what).toBe('Bearer realm="tracefed"');
      expect(reply.body, what).toMatchObject({ type: 'epcisException:SecurityException', status: 401 });
      expect(reply.body.detail, what).toMatch(detail);
    }
    expect(await countEvents('distributor', [eventID])).toEqual({ [eventID]: 0 });
    // The same document with Northline's genuine token goes in.
    expect((await post(net.subgraphs.distributor.url, await net.authHeaders('northline'), body)).status).toBe(202);
  });

  it('takes JSON and JSON-LD only (415 otherwise) and says so when the body is not JSON', async () => {
    const url = net.subgraphs.distributor.url;
    const northline = await bearer(net.demo.parties.northline.gln);
    expect((await post(url, northline, '<EPCISDocument/>', 'application/xml')).status).toBe(415);
    const plain = await post(url, northline, document([{ type: 'ObjectEvent', eventID: uuid(), ...time('2026-05-01T10:00:00'), action: 'OBSERVE', epcList: [] }]), 'application/json');
    expect(plain.status).toBe(202);
    const broken = await post(url, northline, '{"type": "EPCISDocument",');
    expect(broken.status).toBe(400);
    expect(broken.body.detail).toMatch(/not JSON/);
  });

  it('refuses an invalid document with every problem (event index, JSON path, reason) and stores none of it', async () => {
    const good = uuid();
    const reply = await capture('distributor', net.demo.parties.northline.gln, document([
      { type: 'ObjectEvent', eventID: good, ...time('2026-05-01T10:00:00'), action: 'OBSERVE', bizStep: 'receiving', epcList: [] },
      { type: 'ObjectEvent', eventID: uuid(), eventTime: '2026-05-01 10:00', eventTimeZoneOffset: '+01:00', action: 'OBSERVE', bizStep: 'shiping', epcList: ['https://id.gs1.org/01/09506000134353/21/1'] },
      { type: 'AggregationEvent', eventID: uuid(), ...time('2026-05-01T10:00:00'), action: 'ADD', childEPCs: [], quantityList: [] },
    ]));
    expect(reply.status).toBe(400);
    expect(reply.body.type).toBe('epcisException:ValidationException');
    const problems = reply.body.errors as Array<{ eventIndex?: number; path: string; reason: string }>;
    const where = problems.map((p) => [p.eventIndex, p.path]);
    expect(where).toEqual(
      expect.arrayContaining([
        [1, '$.epcisBody.eventList[1].eventTime'],
        [1, '$.epcisBody.eventList[1].bizStep'],
        [1, '$.epcisBody.eventList[1].epcList[0]'],
        [2, '$.epcisBody.eventList[2].quantityList'],
        [2, '$.epcisBody.eventList[2].childEPCs'],
        [2, '$.epcisBody.eventList[2].parentID'],
      ]),
    );
    for (const p of problems) expect(p.reason.length).toBeGreaterThan(10);
    expect(problems.find((p) => p.path.endsWith('epcList[0]'))?.reason).toMatch(/check digit/);
    expect(await countEvents('distributor', [good])).toEqual({ [good]: 0 });
  });

  it('is idempotent: an eventID captured twice is stored once and reported as already known; 100 replays leave one copy', async () => {
    const m = net.demo.parties.meridian;
    const unit = net.demo.units[1]!;
    const ids = [uuid(), uuid()];
    const hashed = { type: 'ObjectEvent', ...time('2026-05-02T10:00:00'), action: 'OBSERVE', bizStep: 'inspecting', epcList: [sgtinUrn(unit)] };
    const body = document([
      { type: 'ObjectEvent', eventID: ids[0], ...time('2026-05-02T09:00:00'), action: 'OBSERVE', bizStep: 'inspecting', epcList: [sgtinUrn(unit)] },
      { type: 'ObjectEvent', eventID: ids[1], ...time('2026-05-02T09:30:00'), action: 'OBSERVE', bizStep: 'storing', epcList: [sgtinUrn(unit)] },
      hashed,
    ]);
    const first = await capture('manufacturer', m.gln, body);
    expect(first.status).toBe(202);
    expect(first.body.counts.captured).toBe(3);
    const hashId = eventHashId(hashed);
    expect(first.body.capturedEventIDs).toEqual([...ids, hashId]);
    let last: Reply = first;
    for (let i = 0; i < 100; i += 1) last = await capture('manufacturer', m.gln, body);
    expect(last.status).toBe(202);
    expect(last.body.counts).toMatchObject({ events: 3, captured: 0, alreadyKnown: 3 });
    expect(last.body.alreadyKnownEventIDs).toEqual([...ids, hashId]);
    expect(await countEvents('manufacturer', [...ids, hashId])).toEqual({ [ids[0]!]: 1, [ids[1]!]: 1, [hashId]: 1 });
  });

  it('names events without an eventID by their EPCIS event hash, so the same event in Digital Link form is the same event', async () => {
    const harbor = net.demo.parties.harbor;
    const unit = net.demo.units[2]!;
    const asUrns = {
      type: 'ObjectEvent', ...time('2026-05-03T11:00:00'), action: 'OBSERVE', bizStep: 'inspecting', disposition: 'in_progress',
      epcList: [sgtinUrn(unit)], readPoint: { id: `urn:epc:id:sgln:${harbor.site.gln.slice(0, CPL)}.${harbor.site.gln.slice(CPL, 12)}.0` },
    };
    const asLinks = {
      type: 'ObjectEvent', ...time('2026-05-03T11:00:00'), action: 'OBSERVE', bizStep: 'urn:epcglobal:cbv:bizstep:inspecting',
      disposition: 'https://ref.gs1.org/cbv/Disp-in_progress', epcList: [sgtinLink(unit, 'https://dl.harbor.example')],
      readPoint: { id: toDigitalLink({ kind: 'sgln', gln: harbor.site.gln }) },
    };
    const first = await capture('distributor', harbor.gln, document([asUrns]));
    const id = first.body.capturedEventIDs[0] as string;
    expect(id).toMatch(/^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/);
    const second = await capture('distributor', harbor.gln, document([asLinks]));
    expect(second.body.capturedEventIDs).toEqual([]);
    expect(second.body.alreadyKnownEventIDs).toEqual([id]);
    const stored = await get('distributor', `/epcis/events/${encodeURIComponent(id)}`, 'harbor');
    expect(stored.body.epcisBody.queryResults.resultsBody.eventList[0].eventID).toBe(id);
  });

  it('is atomic: a document refused halfway through storing (a foreign retraction, 403) leaves nothing behind', async () => {
    const linden = net.demo.parties.linden;
    const rosenDispense = net.demo.dispensed.find((d) => d.by.key === 'rosen')!;
    const code = sgtinLink(rosenDispense.unit);
    const before = await net.query(`query($c: String!) { trace(code: $c) { dispense { eventID } } }`, { c: code }, { as: 'inspectorate' });
    const rosenEventId = before.data.trace.dispense.eventID as string;
    const fresh = uuid();
    const reply = await capture('dispenser', linden.gln, document([
      { type: 'ObjectEvent', eventID: fresh, ...time('2026-06-01T10:00:00'), action: 'OBSERVE', bizStep: 'inspecting', epcList: [code] },
      {
        type: 'ObjectEvent', eventID: rosenEventId, ...time('2026-04-03T09:00:00'), action: 'DELETE', bizStep: 'dispensing', epcList: [code],
        errorDeclaration: { declarationTime: '2026-06-01T10:00:00Z', reason: 'incorrect_data' },
      },
    ]));
    expect(reply.status).toBe(403);
    expect(reply.body.type).toBe('epcisException:SecurityException');
    expect(reply.body.errors).toEqual([
      expect.objectContaining({ eventIndex: 1, path: '$.epcisBody.eventList[1].errorDeclaration', reason: expect.stringMatching(/captured by partner \d{13}; only that partner/) }),
    ]);
    expect(await countEvents('dispenser', [fresh])).toEqual({ [fresh]: 0 });
    const after = await net.query(`query($c: String!) { trace(code: $c) { dispense { eventID } } }`, { c: code }, { as: 'inspectorate' });
    expect(after.data.trace.dispense.eventID).toBe(rosenEventId);
  });
});

describe('who may capture', () => {
  const observe = (extra: Record<string, unknown> = {}) => ({
    type: 'ObjectEvent', eventID: uuid(), ...time('2026-05-10T10:00:00'), action: 'OBSERVE', bizStep: 'inspecting', epcList: [], ...extra,
  });
  const at = (gln: string) => ({ id: toDigitalLink({ kind: 'sgln', gln }) });
  const jobCount = async (node: NodeName) =>
    (await queryRows<{ n: number }>(net.databases[node].db, sql`SELECT count(*)::int AS n FROM capture_job`))[0]!.n;

  it('a partner captures only into its own role\'s node: a distributor\'s token on the dispenser node is refused (403), nothing stored', async () => {
    const { northline } = net.demo.parties;
    const event = observe({ bizLocation: at(northline.site.gln) });
    const jobs = await jobCount('dispenser');
    const reply = await capture('dispenser', northline.gln, document([event]));
    expect(reply.status).toBe(403);
    expect(reply.body.type).toBe('epcisException:SecurityException');
    expect(reply.body.detail).toBe('the document was refused with 1 problem; nothing was stored');
    expect(reply.body.errors).toEqual([{ path: '$', reason: 'a distributor may not capture into the dispenser node; only a dispenser may' }]);
    expect(await countEvents('dispenser', [event.eventID])).toEqual({ [event.eventID]: 0 });
    expect(await jobCount('dispenser')).toBe(jobs);
    // The same document on Northline's own node is accepted.
    expect((await capture('distributor', northline.gln, document([event]))).status).toBe(202);
  });

  it('investigators and regulators capture into no node (403)', async () => {
    const event = observe();
    for (const [as, role] of [['fraud-unit', 'investigator'], ['inspectorate', 'regulator']] as const) {
      for (const node of ['manufacturer', 'distributor', 'dispenser'] as const) {
        const reply = await post(net.subgraphs[node].url, await net.authHeaders(as), document([event]));
        expect(reply.status, `${as} on ${node}`).toBe(403);
        expect(reply.body.type).toBe('epcisException:SecurityException');
        expect(reply.body.errors).toEqual([{ path: '$', reason: `a ${role} may not capture into the ${node} node; only a ${node} may` }]);
      }
    }
    expect(await countEvents('distributor', [event.eventID])).toEqual({ [event.eventID]: 0 });
  });

  it('an event at another partner\'s location refuses the whole document, naming the event index and path', async () => {
    const { northline, harbor, meridian } = net.demo.parties;
    // Northline's own places: its site, and any GLN allocated from its GS1 company prefix.
    const ownSite = observe({ readPoint: at(northline.site.gln), bizLocation: at(northline.site.gln) });
    const body = `${northline.prefix}00077`.padEnd(12, '0').slice(0, 12);
    const ownDock = observe({ readPoint: at(body + computeCheckDigit(body)) });
    // Someone else's: Harbor's warehouse (Digital Link) and Meridian's plant (EPC URN).
    const atHarbor = observe({ bizLocation: at(harbor.site.gln) });
    const atMeridian = observe({ readPoint: { id: formatSglnUrn(meridian.site.gln, '0', CPL) } });
    const events = [ownSite, ownDock, atHarbor, atMeridian];
    const reply = await capture('distributor', northline.gln, document(events));
    expect(reply.status).toBe(403);
    expect(reply.body.type).toBe('epcisException:SecurityException');
    expect(reply.body.detail).toBe('the document was refused with 2 problems; nothing was stored');
    expect(reply.body.errors).toEqual([
      {
        eventIndex: 2,
        path: '$.epcisBody.eventList[2].bizLocation',
        reason: expect.stringMatching(new RegExp(`^bizLocation /414/${harbor.site.gln}\\S* is not a location of partner ${northline.gln}; a partner captures only events at its own locations$`)),
      },
      {
        eventIndex: 3,
        path: '$.epcisBody.eventList[3].readPoint',
        reason: expect.stringMatching(new RegExp(`^readPoint /414/${meridian.site.gln}\\S* is not a location of partner ${northline.gln};`)),
      },
    ]);
    const ids = events.map((e) => e.eventID);
    expect(Object.values(await countEvents('distributor', ids))).toEqual([0, 0, 0, 0]);
    // Harbor may record the event at its own warehouse; Northline its own two.
    expect((await capture('distributor', harbor.gln, document([atHarbor]))).status).toBe(202);
    const own = await capture('distributor', northline.gln, document([ownSite, ownDock]));
    expect(own.status).toBe(202);
    expect(own.body.capturedEventIDs).toEqual([ownSite.eventID, ownDock.eventID]);
  });

  it('accepts the gateway-signed identity on /epcis/capture as well as the partner\'s token', async () => {
    const harbor = net.demo.parties.harbor;
    const event = observe({ bizLocation: at(harbor.site.gln) });
    const signed = { [IDENTITY_HEADER]: await net.auth.signIdentity(net.identities.harbor!) };
    const reply = await post(net.subgraphs.distributor.url, signed, document([event]));
    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({ partner: harbor.gln, capturedEventIDs: [event.eventID] });
    // The signed identity is held to the same rules: Harbor's identity on the manufacturer node is refused.
    expect((await post(net.subgraphs.manufacturer.url, signed, document([observe()]))).status).toBe(403);
  });

  it('GET /epcis/events shows a partner its own events only, an investigator or a regulator every partner\'s', async () => {
    const { northline, harbor } = net.demo.parties;
    const owners = await queryRows<{ event_id: string; owner_gln: string }>(net.databases.distributor.db, sql`SELECT event_id, owner_gln FROM epcis_event`);
    const ownedBy = (gln: string) => owners.filter((r) => r.owner_gln === gln).map((r) => r.event_id).sort();
    expect(ownedBy(northline.gln).length).toBeGreaterThan(0);
    expect(ownedBy(harbor.gln).length).toBeGreaterThan(0);
    /** Every event the caller may see on the distributor node, page by page. */
    const visible = async (as: string) => {
      const seen: string[] = [];
      let next: string | null = '/epcis/events?perPage=1000';
      while (next) {
        const reply = await get('distributor', next, as);
        expect(reply.status, as).toBe(200);
        seen.push(...reply.body.epcisBody.queryResults.resultsBody.eventList.map((e: any) => e.eventID as string));
        const link = reply.headers.get('link');
        next = link ? /<([^>]+)>; rel="next"/.exec(link)![1]! : null;
      }
      return seen.sort();
    };
    expect(await visible('northline')).toEqual(ownedBy(northline.gln));
    expect(await visible('harbor')).toEqual(ownedBy(harbor.gln));
    const everyone = owners.map((r) => r.event_id).sort();
    expect(await visible('fraud-unit')).toEqual(everyone);
    expect(await visible('inspectorate')).toEqual(everyone);
    // One of Harbor's events, asked for by its ID: not there for Northline, there for the investigator.
    const harborEvent = encodeURIComponent(ownedBy(harbor.gln)[0]!);
    const hidden = await get('distributor', `/epcis/events/${harborEvent}`, 'northline');
    expect(hidden.status).toBe(404);
    expect(hidden.body.type).toBe('epcisException:NoSuchResourceException');
    expect((await get('distributor', `/epcis/events/${harborEvent}`, 'fraud-unit')).status).toBe(200);
    // A partner token of a partner on another node sees nothing here: it captured nothing on this node.
    expect(await visible('meridian')).toEqual([]);
  });

  it('GET /epcis/capture/{captureID} of another partner\'s job is 404', async () => {
    const harbor = net.demo.parties.harbor;
    const reply = await capture('distributor', harbor.gln, document([observe({ bizLocation: at(harbor.site.gln) })]));
    const location = reply.headers.get('location')!;
    expect((await get('distributor', location, 'harbor')).body).toEqual(reply.body);
    const foreign = await get('distributor', location, 'northline');
    expect(foreign.status).toBe(404);
    expect(foreign.body.type).toBe('epcisException:NoSuchResourceException');
    expect((await get('distributor', location, 'fraud-unit')).status).toBe(200);
  });
});

describe('capture limits', () => {
  let small: RunningSubgraph;
  beforeAll(async () => {
    small = await startSubgraph(dispenser.definition as never, net.databases.dispenser, { auth: net.auth, epcis: { maxEvents: 2, maxBodyBytes: 4000 } });
  });
  afterAll(async () => {
    await small?.stop();
  });
  const event = () => ({ type: 'ObjectEvent', eventID: uuid(), ...time('2026-05-01T10:00:00'), action: 'OBSERVE', epcList: [] });

  it('answers 413 with a clear message for too many events and for too many bytes', async () => {
    const rosen = await bearer(net.demo.parties.rosen.gln);
    const many = await post(small.url, rosen, document([event(), event(), event()]));
    expect(many.status).toBe(413);
    expect(many.body.type).toBe('epcisException:CaptureLimitExceededException');
    expect(many.body.detail).toBe('the document has 3 events; this repository accepts at most 2 per capture, so split it into smaller documents');
    const big = await post(small.url, rosen, document([{ ...event(), 'tf:note': 'x'.repeat(5000) }]));
    expect(big.status).toBe(413);
    expect(big.body.detail).toMatch(/exceeds 4000 bytes, the most this repository accepts in one capture/);
    expect((await post(small.url, rosen, document([event(), event()]))).status).toBe(202);
  });

  it('announces its limits (OPTIONS /epcis/capture)', async () => {
    const response = await fetch(new URL('/epcis/capture', small.url), { method: 'OPTIONS' });
    expect(response.status).toBe(204);
    expect(response.headers.get('gs1-epcis-capture-limit')).toBe('2');
    expect(response.headers.get('gs1-epcis-capture-file-size-limit')).toBe('4000');
    expect(response.headers.get('allow')).toBe('POST');
  });
});

// The merged custody carries every node's anomaly flags on its events (the per-node custody fields are
// the gateway's internal join inputs, not for clients).
const CUSTODY_ANOMALIES = /* GraphQL */ `
  query($code: String!) {
    trace(code: $code) { custody { events { eventID anomalies { code message eventIDs } } } }
  }
`;

async function anomaliesOf(code: string, eventID: string) {
  const { data, errors } = await net.query(CUSTODY_ANOMALIES, { code });
  expect(errors).toBeUndefined();
  return data.trace.custody.events.find((e: any) => e.eventID === eventID)?.anomalies as Array<{ code: string; message: string; eventIDs: string[] }>;
}

describe('business anomalies are stored and flagged, never dropped', () => {
  it('commissioning a serial twice', async () => {
    const m = net.demo.parties.meridian;
    const unit = net.demo.units[7]!;
    const { data } = await net.query(`query($c: String!) { trace(code: $c) { commissioning { eventID } } }`, { c: sgtinLink(unit) });
    const original = data.trace.commissioning.eventID as string;
    const again = uuid();
    const reply = await capture('manufacturer', m.gln, document([
      { type: 'ObjectEvent', eventID: again, ...time('2026-06-02T08:00:00'), action: 'ADD', bizStep: 'commissioning', disposition: 'active', epcList: [sgtinUrn(unit)] },
    ]));
    expect(reply.status).toBe(202);
    expect(reply.body.capturedEventIDs).toEqual([again]);
    expect(reply.body.anomalies).toEqual([
      { eventID: again, code: 'COMMISSIONED_TWICE', message: expect.stringContaining(`already commissioned: /01/${unit.gtin}/21/${unit.serial}`), eventIDs: [again, original] },
    ]);
    expect(await anomaliesOf(sgtinLink(unit), again)).toEqual([
      { code: 'COMMISSIONED_TWICE', message: reply.body.anomalies[0].message, eventIDs: [again, original] },
    ]);
    expect(await anomaliesOf(sgtinLink(unit), original)).toEqual([]);
  });

  it('dispensing a pack that was already dispensed', async () => {
    const hero = net.demo.heroUnit;
    const rosen = net.demo.parties.rosen;
    const { data } = await net.query(`query($c: String!) { trace(code: $c) { dispense { eventID } } }`, { c: sgtinLink(hero) }, { as: 'rosen' });
    const first = data.trace.dispense.eventID as string;
    const second = uuid();
    const reply = await capture('dispenser', rosen.gln, document([
      { type: 'ObjectEvent', eventID: second, ...time('2026-06-03T09:00:00'), action: 'DELETE', bizStep: 'dispensing', disposition: 'dispensed', epcList: [sgtinLink(hero, rosen.host)] },
    ]));
    expect(reply.body.anomalies).toEqual([expect.objectContaining({ eventID: second, code: 'ALREADY_DISPENSED', eventIDs: [second, first] })]);
    expect((await anomaliesOf(sgtinLink(hero), second)).map((a) => a.code)).toEqual(['ALREADY_DISPENSED']);
  });

  it('shipping a serial that was never commissioned', async () => {
    const m = net.demo.parties.meridian;
    const ghost = { gtin: net.demo.products.amlodipine.gtin, serial: 'NEVERMADE1' };
    const shipment = uuid();
    const reply = await capture('manufacturer', m.gln, document([
      { type: 'ObjectEvent', eventID: shipment, ...time('2026-06-04T07:00:00'), action: 'OBSERVE', bizStep: 'shipping', disposition: 'in_transit', epcList: [sgtinUrn(ghost)] },
    ]));
    expect(reply.body.anomalies).toEqual([
      {
        eventID: shipment,
        code: 'SHIPPED_NOT_COMMISSIONED',
        message: `ships 1 serial(s) this node never saw commissioned, received or packed: /01/${ghost.gtin}/21/NEVERMADE1`,
        eventIDs: [shipment],
      },
    ]);
    expect((await anomaliesOf(sgtinLink(ghost), shipment)).map((a) => a.code)).toEqual(['SHIPPED_NOT_COMMISSIONED']);
  });

  it('receiving with no matching shipment from a partner on the same node; the shipment, once captured, clears it', async () => {
    const { harbor, northline } = net.demo.parties;
    const unit = net.demo.pallets[3]!.units[5]!; // still at Northline: Northline never shipped it to Harbor
    const receipt = uuid();
    const received = await capture('distributor', harbor.gln, document([
      {
        type: 'ObjectEvent', eventID: receipt, ...time('2026-06-05T10:00:00'), action: 'OBSERVE', bizStep: 'receiving', disposition: 'in_progress',
        epcList: [sgtinLink(unit, harbor.host)], sourceList: [{ type: 'owning_party', source: partyUrn(northline.gln) }],
      },
    ]));
    expect(received.body.anomalies).toEqual([expect.objectContaining({ eventID: receipt, code: 'RECEIVED_WITHOUT_SHIPMENT', eventIDs: [receipt] })]);
    expect(received.body.anomalies[0].message).toMatch(new RegExp(`from ${northline.gln}, a partner on this node that recorded no shipment`));
    expect((await anomaliesOf(sgtinLink(unit), receipt)).map((a) => a.code)).toEqual(['RECEIVED_WITHOUT_SHIPMENT']);

    // The shipment was only late: captured now, it explains the receipt.
    const shipped = await capture('distributor', northline.gln, document([
      {
        type: 'ObjectEvent', eventID: uuid(), ...time('2026-06-05T07:00:00'), action: 'OBSERVE', bizStep: 'shipping', disposition: 'in_transit',
        epcList: [sgtinLink(unit, northline.host)], destinationList: [{ type: 'owning_party', destination: partyUrn(harbor.gln) }],
      },
    ]));
    expect(shipped.body.anomalies).toEqual([]);
    expect(await anomaliesOf(sgtinLink(unit), receipt)).toEqual([]);
  });

  it('does not flag a receipt from a partner this node cannot see (it ships from another node)', async () => {
    const { linden, harbor } = net.demo.parties;
    const unit = net.demo.pallets[2]!.units[0]!;
    const reply = await capture('dispenser', linden.gln, document([
      {
        type: 'ObjectEvent', eventID: uuid(), ...time('2026-06-06T10:00:00'), action: 'OBSERVE', bizStep: 'receiving',
        epcList: [sgtinLink(unit)], sourceList: [{ type: 'owning_party', source: partyUrn(harbor.gln) }],
      },
    ]));
    expect(reply.status).toBe(202);
    expect(reply.body.anomalies).toEqual([]);
  });
});

describe('error declarations', () => {
  const LOT_UNITS = /* GraphQL */ `
    query($gtin: String!, $lot: String!) {
      lot(gtin: $gtin, lotNumber: $lot) { units(first: 1000) { gtin serial custody { status currentCustodian { gln } } dispense { eventID } } }
    }
  `;
  const TRACE = /* GraphQL */ `
    query($code: String!) {
      trace(code: $code) {
        custody { status currentCustodian { gln } events { eventID bizStep } }
        dispense { eventID }
      }
    }
  `;

  it('retract an event: traces through the gateway skip it and follow the corrective event', async () => {
    const rosen = net.demo.parties.rosen;
    const hero = net.demo.heroUnit;
    // Custody and dispenses together: a regulator's view.
    const asRegulator = { as: 'inspectorate' };
    const lot = await net.query(LOT_UNITS, { gtin: hero.gtin, lot: hero.lot }, asRegulator);
    const onShelf = (lot.data.lot.units as any[]).filter(
      (u) => u.custody.status === 'ACTIVE' && u.custody.currentCustodian?.gln === rosen.gln && u.dispense === null,
    );
    expect(onShelf.length).toBeGreaterThanOrEqual(2);
    const [wrong, right] = onShelf as [{ gtin: string; serial: string }, { gtin: string; serial: string }];

    // Rosen-Apotheke scans the wrong pack at the counter...
    const mistaken = uuid();
    const dispensing = (unit: { gtin: string; serial: string }, eventID: string) => ({
      type: 'ObjectEvent', eventID, ...time('2026-07-01T10:00:00'), action: 'DELETE', bizStep: 'dispensing', disposition: 'dispensed',
      epcList: [sgtinLink(unit, rosen.host)], bizLocation: { id: toDigitalLink({ kind: 'sgln', gln: rosen.site.gln }) },
    });
    expect((await capture('dispenser', rosen.gln, document([dispensing(wrong, mistaken)]))).status).toBe(202);
    const misled = await net.query(TRACE, { code: sgtinLink(wrong) }, asRegulator);
    expect(misled.data.trace.custody.status).toBe('DISPENSED');
    expect(misled.data.trace.dispense.eventID).toBe(mistaken);

    // ...and corrects it: the same event with an error declaration, plus the corrective event.
    const corrective = uuid();
    const correction = document([
      { ...dispensing(wrong, mistaken), errorDeclaration: { declarationTime: '2026-07-01T12:00:00Z', reason: 'incorrect_data', correctiveEventIDs: [corrective] } },
      dispensing(right, corrective),
    ]);
    const reply = await capture('dispenser', rosen.gln, correction);
    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({ retractedEventIDs: [mistaken], capturedEventIDs: [corrective], alreadyKnownEventIDs: [] });

    const restored = await net.query(TRACE, { code: sgtinLink(wrong) }, asRegulator);
    expect(restored.errors).toBeUndefined();
    expect(restored.data.trace.custody.status).toBe('ACTIVE');
    expect(restored.data.trace.custody.currentCustodian.gln).toBe(rosen.gln);
    expect(restored.data.trace.dispense).toBeNull();
    expect(restored.data.trace.custody.events.map((e: any) => e.eventID)).not.toContain(mistaken);

    const followed = await net.query(TRACE, { code: sgtinLink(right) }, asRegulator);
    expect(followed.data.trace.custody.status).toBe('DISPENSED');
    expect(followed.data.trace.dispense.eventID).toBe(corrective);
    expect(followed.data.trace.custody.events.map((e: any) => e.eventID)).toContain(corrective);

    // The retracted event is still evidence: the query interface returns it with its declaration.
    const kept = await get('dispenser', `/epcis/events/${encodeURIComponent(mistaken)}`, 'rosen');
    expect(kept.body.epcisBody.queryResults.resultsBody.eventList[0].errorDeclaration).toMatchObject({ reason: 'incorrect_data', correctiveEventIDs: [corrective] });

    // Replaying the correction changes nothing.
    const replay = await capture('dispenser', rosen.gln, correction);
    expect(replay.body).toMatchObject({ retractedEventIDs: [], capturedEventIDs: [], alreadyKnownEventIDs: [mistaken, corrective] });
  });

  it('an event and its error declaration in one document: stored, and retracted at once', async () => {
    const m = net.demo.parties.meridian;
    const event = { type: 'ObjectEvent', eventID: uuid(), ...time('2026-07-03T10:00:00'), action: 'OBSERVE', bizStep: 'inspecting', epcList: [sgtinUrn(net.demo.units[33]!)] };
    const reply = await capture('manufacturer', m.gln, document([
      event,
      { ...event, errorDeclaration: { declarationTime: '2026-07-03T11:00:00Z', reason: 'did_not_occur' } },
    ]));
    expect(reply.body).toMatchObject({ capturedEventIDs: [event.eventID], retractedEventIDs: [event.eventID], alreadyKnownEventIDs: [] });
    const stored = await get('manufacturer', `/epcis/events/${encodeURIComponent(event.eventID)}`, 'meridian');
    expect(stored.body.epcisBody.queryResults.resultsBody.eventList[0].errorDeclaration).toEqual({ declarationTime: '2026-07-03T11:00:00Z', reason: 'did_not_occur' });
  });

  it('retracting an aggregation takes the units out of the case again', async () => {
    const m = net.demo.parties.meridian;
    const units = net.demo.units.slice(30, 32);
    const body = `3${m.prefix}${'77'.padStart(16 - m.prefix.length, '0')}`;
    const sscc = body + computeCheckDigit(body);
    const packing = {
      type: 'AggregationEvent', eventID: uuid(), ...time('2026-07-02T10:00:00'), action: 'ADD', bizStep: 'packing',
      parentID: formatSsccUrn(sscc, CPL), childEPCs: units.map(sgtinUrn),
    };
    await capture('manufacturer', m.gln, document([packing]));
    const containers = async () => {
      const { data, errors } = await net.query(`query($c: String!) { trace(code: $c) { custody { containers { sscc node } } } }`, { c: sgtinLink(units[0]!) });
      expect(errors).toBeUndefined();
      return data.trace.custody.containers.filter((c: any) => c.node === 'MANUFACTURER').map((c: any) => c.sscc) as string[];
    };
    expect(await containers()).toContain(sscc);
    const reply = await capture('manufacturer', m.gln, document([{ ...packing, errorDeclaration: { declarationTime: '2026-07-02T11:00:00Z', reason: 'did_not_occur' } }]));
    expect(reply.body.retractedEventIDs).toEqual([packing.eventID]);
    expect(await containers()).not.toContain(sscc);
  });
});
