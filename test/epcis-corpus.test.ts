/**
 * The EPCIS 2.0 example corpus (test/fixtures/epcis: the GS1 standard's examples and the OpenEPCIS
 * capture documents) captured for real: over HTTP into a node's own database (PGlite, or PostgreSQL
 * with TRACEFED_TEST_DATABASE_URL), every document accepted, and the whole corpus sent again stored once.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, type Database } from '@tracefed/kit/db/connection';
import { startSubgraph, type RunningSubgraph } from '@tracefed/kit/server/subgraph';
import * as distributor from '@tracefed/distributor';
import { openTestDatabase } from './harness.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/epcis/', import.meta.url));
const PARTNER = '4012345000009';

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

let database: Database;
let node: RunningSubgraph;
beforeAll(async () => {
  database = await openTestDatabase(distributor.migrationsFolder, 'corpus');
  node = await startSubgraph(distributor.definition as never, database);
});
afterAll(async () => {
  await node?.stop();
  await database?.close();
});

async function capture(path: string) {
  const response = await fetch(new URL('/epcis/capture', node.url), {
    method: 'POST',
    headers: { 'content-type': 'application/ld+json', 'x-tracefed-partner': PARTNER },
    body: readFileSync(path, 'utf8'),
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe('capturing the EPCIS 2.0 example corpus', () => {
  it.each(corpus.map((p) => [p.slice(FIXTURES.length), p]))('accepts %s', async (_name, path) => {
    const reply = await capture(path);
    expect(reply.body.errors ?? []).toEqual([]);
    expect(reply.status).toBe(202);
    expect(reply.body.success).toBe(true);
  });

  it('stores every event once: the corpus sent again adds nothing', async () => {
    const [before] = await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM epcis_event`);
    let events = 0;
    for (const path of corpus) {
      const reply = await capture(path);
      expect(reply.status, path).toBe(202);
      expect(reply.body.counts.captured, path).toBe(0);
      events += reply.body.counts.events;
    }
    const [after] = await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM epcis_event`);
    expect(after?.n).toBe(before?.n);
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
