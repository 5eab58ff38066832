/**
 * The EPCIS 2.0 example corpus (test/fixtures/epcis: the GS1 standard's examples and the OpenEPCIS
 * capture documents) captured for real into a node's own database (PGlite, or PostgreSQL with
 * TRACEFED_TEST_DATABASE_URL): every document accepted and stored, and the whole corpus sent again
 * stored once.
 *
 * Capture is authorized: a partner captures only events at its own locations, its party GLN or a GLN
 * allocated from its GS1 company prefix. The examples are written for many companies, so each document
 * is sent over HTTP by a test distributor that owns its locations: the company whose prefix its SGLN
 * URNs name (a Digital Link GLN under that prefix is that company's too), or, when its only location
 * is one GLN written as a Digital Link, the party with that GLN. A document without locations may be
 * sent by any distributor. A document whose locations belong to several companies, or are no GLN at
 * all (a geo: URI), has no single partner that may send it: such documents are captured with
 * captureDocument, the function behind the endpoint, minus the endpoint's authorization step, so that
 * every corpus document is still shown to pass our validation and be stored; and the endpoint is shown
 * to refuse each of them, naming the locations that are not the sender's.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devAuthConfig, type AuthConfig } from '@tracefed/kit/auth/config';
import type { Identity } from '@tracefed/kit/auth/identity';
import { queryRows, type Database } from '@tracefed/kit/db/connection';
import { captureDocument } from '@tracefed/kit/epcis/capture';
import { normaliseDocument } from '@tracefed/kit/epcis/normalise';
import { locateEvents } from '@tracefed/kit/epcis/validate';
import { computeCheckDigit } from '@tracefed/kit/gs1/index';
import { startSubgraph, type RunningSubgraph } from '@tracefed/kit/server/subgraph';
import * as distributor from '@tracefed/distributor';
import { openTestDatabase } from './harness.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/epcis/', import.meta.url));

function documentsUnder(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? documentsUnder(p) : [p];
    })
    .filter((p) => /\.json(ld)?$/.test(p))
    .sort();
}
const corpus = [...documentsUnder(join(FIXTURES, 'gs1')), ...documentsUnder(join(FIXTURES, 'openepcis', 'valid'))];

/** A test distributor owning every GLN of a GS1 company prefix; its party GLN is the prefix's first. */
function companyPartner(prefix: string): Identity {
  const body = prefix.padEnd(12, '0');
  return { sub: `corpus:${prefix}`, partner: body + computeCheckDigit(body), role: 'distributor', scope: ['capture'], companyPrefix: prefix };
}
/** A test distributor whose one location is its party GLN. */
const glnPartner = (gln: string): Identity => ({ sub: `corpus:${gln}`, partner: gln, role: 'distributor', scope: ['capture'] });
const ANYONE = companyPartner('4012345');

interface Plan {
  name: string;
  path: string;
  document: unknown;
  events: number;
  /** Who sends it over HTTP; null: its locations belong to no single partner (`why`). */
  sender: Identity | null;
  why?: string;
  /** For the others: the partner of its first location, who sends it in the refusal test and captures it. */
  firstOwner: Identity;
}

/** Works out which partner owns a document's read points and business locations, if any one does. */
function plan(path: string): Plan {
  const document = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  const normalised = normaliseDocument(document);
  const { list } = locateEvents(document);
  const raw = (Array.isArray(list) ? list : []) as Array<Record<string, { id?: string } | undefined>>;
  const prefixes: string[] = [];
  const glns: string[] = [];
  const others: string[] = [];
  normalised.events.forEach((event, i) => {
    for (const field of ['readPoint', 'bizLocation'] as const) {
      const key = event[field];
      if (key === null) continue;
      const gln = /^\/414\/(\d{13})(?:\/|$)/.exec(key)?.[1];
      if (!gln) {
        others.push(raw[i]?.[field]?.id ?? key);
        continue;
      }
      glns.push(gln);
      const prefix = /sgln:(\d+)\./.exec(raw[i]?.[field]?.id ?? '')?.[1];
      if (prefix) prefixes.push(prefix);
    }
  });
  const distinctPrefixes = [...new Set(prefixes)];
  const distinctGlns = [...new Set(glns)];
  const firstOwner = distinctPrefixes[0] ? companyPartner(distinctPrefixes[0]) : distinctGlns[0] ? glnPartner(distinctGlns[0]) : ANYONE;
  const base = { name: path.slice(FIXTURES.length), path, document, events: normalised.events.length, firstOwner };
  if (others.length > 0) return { ...base, sender: null, why: `locations that are no GLN: ${[...new Set(others)].join(', ')}` };
  if (distinctPrefixes.length > 1) return { ...base, sender: null, why: `locations of ${distinctPrefixes.length} companies: ${distinctPrefixes.join(', ')}` };
  if (distinctPrefixes.length === 1) {
    const prefix = distinctPrefixes[0]!;
    const outside = distinctGlns.filter((g) => !g.startsWith(prefix));
    if (outside.length > 0) return { ...base, sender: null, why: `GLNs outside company prefix ${prefix}: ${outside.join(', ')}` };
    return { ...base, sender: companyPartner(prefix) };
  }
  if (distinctGlns.length > 1) return { ...base, sender: null, why: `several GLNs of unknown companies: ${distinctGlns.join(', ')}` };
  return { ...base, sender: distinctGlns[0] ? glnPartner(distinctGlns[0]) : ANYONE };
}

const plans = corpus.map(plan);
const overHttp = plans.filter((p) => p.sender !== null);
const direct = plans.filter((p) => p.sender === null);

const keysDir = mkdtempSync(join(tmpdir(), 'tracefed-corpus-auth-'));
let auth: AuthConfig;
let database: Database;
let node: RunningSubgraph;
const tokens = new Map<string, Promise<string>>();
const tokenOf = (identity: Identity) => {
  let token = tokens.get(identity.sub);
  if (!token) tokens.set(identity.sub, (token = auth.dev!.issue(identity)));
  return token;
};

beforeAll(async () => {
  [auth, database] = await Promise.all([devAuthConfig(keysDir), openTestDatabase(distributor.migrationsFolder, 'corpus')]);
  node = await startSubgraph(distributor.definition as never, database, { auth });
});
afterAll(async () => {
  await node?.stop();
  await database?.close();
  rmSync(keysDir, { recursive: true, force: true });
});

async function post(document: unknown, sender: Identity) {
  const response = await fetch(new URL('/epcis/capture', node.url), {
    method: 'POST',
    headers: { 'content-type': 'application/ld+json', authorization: `Bearer ${await tokenOf(sender)}` },
    body: JSON.stringify(document),
  });
  return { status: response.status, body: (await response.json()) as any };
}

/** Captures a document the way its plan says: over HTTP by its sender, or through captureDocument. */
async function capture(p: Plan): Promise<{ captured: number; events: number }> {
  if (p.sender) {
    const reply = await post(p.document, p.sender);
    expect(reply.body.errors ?? [], p.name).toEqual([]);
    expect(reply.status, p.name).toBe(202);
    expect(reply.body.success, p.name).toBe(true);
    expect(reply.body.partner, p.name).toBe(p.sender.partner);
    return reply.body.counts;
  }
  const job = await captureDocument(database.db, { partner: p.firstOwner.partner, document: p.document });
  expect(job.success, p.name).toBe(true);
  return job.counts;
}

const eventCount = async () => (await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM epcis_event`))[0]!.n;

describe('capturing the EPCIS 2.0 example corpus', () => {
  it('sends most documents over HTTP, each by the partner that owns its locations', () => {
    expect(plans).toHaveLength(85);
    expect(overHttp.length).toBeGreaterThan(direct.length * 3);
  });

  it('refuses over HTTP every document whose locations are not all the sender\'s (403, naming them), storing nothing', async () => {
    expect(direct.length).toBeGreaterThan(0);
    for (const p of direct) {
      const reply = await post(p.document, p.firstOwner);
      expect(reply.status, `${p.name}: ${p.why}`).toBe(403);
      expect(reply.body.type, p.name).toBe('epcisException:SecurityException');
      expect(reply.body.errors.length, p.name).toBeGreaterThan(0);
      for (const problem of reply.body.errors) {
        expect(problem.path, p.name).toMatch(/\.(readPoint|bizLocation)$/);
        expect(problem.reason, p.name).toMatch(new RegExp(`is not a location of partner ${p.firstOwner.partner}`));
      }
    }
    expect(await eventCount()).toBe(0);
  });

  it.each(plans.map((p) => [p.name, p.sender ? `over HTTP as ${p.sender.sub}` : `with captureDocument (${p.why})`, p]))(
    'accepts %s %s',
    async (_name, _how, p) => {
      const counts = await capture(p as Plan);
      expect(counts.events).toBe((p as Plan).events);
    },
  );

  it('stores every event once: the corpus sent again adds nothing', async () => {
    const before = await eventCount();
    let events = 0;
    for (const p of plans) {
      const counts = await capture(p);
      expect(counts.captured, p.name).toBe(0);
      events += counts.events;
    }
    expect(await eventCount()).toBe(before);
    expect(events).toBeGreaterThan(100);
  });

  it('keeps the eventIDs documents carry and names the others by their event hash', async () => {
    const withoutIds = corpus.filter((p) => (JSON.parse(readFileSync(p, 'utf8')).epcisBody?.eventList ?? []).some((e: any) => !e.eventID));
    expect(withoutIds.length).toBeGreaterThan(0);
    const rows = await queryRows<{ event_id: string }>(database.db, sql`SELECT event_id FROM epcis_event WHERE event_id LIKE 'ni:///sha-256;%'`);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.event_id).toMatch(/^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/);
  });
});
