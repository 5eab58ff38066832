import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows } from '@tracefed/kit/db/connection';
import { ingestDocument } from '@tracefed/kit/epcis/ingest';
import { migrationsFolder } from '@tracefed/distributor';
import { buildDemoNetwork } from '../scripts/demo/network.ts';

const dir = mkdtempSync(join(tmpdir(), 'tracefed-pglite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('embedded PGlite on disk', () => {
  it('keeps a node\'s events and derived containment across a restart', async () => {
    const network = buildDemoNetwork();
    const docs = network.documents.filter((d) => d.node === 'distributor').slice(0, 3);
    const first = await openDatabase({ dataDir: dir, migrationsFolder });
    let captured = 0;
    for (const d of docs) captured += (await ingestDocument(first.db, { owner: d.owner, document: d.document })).captured.length;
    const before = await queryRows<{ n: number }>(first.db, sql`SELECT count(*)::int AS n FROM epcis_event`);
    await first.close();
    expect(before[0]?.n).toBe(captured);
    expect(captured).toBeGreaterThan(0);

    const second = await openDatabase({ dataDir: dir, migrationsFolder });
    const after = await queryRows<{ n: number }>(second.db, sql`SELECT count(*)::int AS n FROM epcis_event`);
    const containment = await queryRows<{ n: number }>(second.db, sql`SELECT count(*)::int AS n FROM containment`);
    expect(after[0]?.n).toBe(captured);
    expect(containment[0]?.n).toBeGreaterThan(0);
    // Replaying what is already stored keeps exactly one copy of each event.
    const replay = await ingestDocument(second.db, { owner: docs[0]!.owner, document: docs[0]!.document });
    expect(replay.captured).toEqual([]);
    expect(replay.alreadyKnown.length).toBeGreaterThan(0);
    const again = await queryRows<{ n: number }>(second.db, sql`SELECT count(*)::int AS n FROM epcis_event`);
    expect(again[0]?.n).toBe(captured);
    await second.close();
  });
});
