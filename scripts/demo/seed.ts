import { sql } from 'drizzle-orm';
import { queryRows, type Database } from '@tracefed/kit/db/connection';
import { ingestDocument } from '@tracefed/kit/epcis/ingest';
import type { DemoNetwork, NodeName } from './network.ts';

/**
 * Loads the demo network's documents for one node through the same ingest function that EPCIS
 * capture uses. Seeds once: a node that already holds events is left as it is.
 */
export async function seedNode(database: Database, node: NodeName, network: DemoNetwork): Promise<{ seeded: boolean; events: number }> {
  const [existing] = await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM epcis_event`);
  if ((existing?.n ?? 0) > 0) return { seeded: false, events: existing?.n ?? 0 };
  let events = 0;
  for (const doc of network.documents.filter((d) => d.node === node)) {
    const result = await ingestDocument(database.db, { owner: doc.owner, document: doc.document });
    events += result.captured.length;
  }
  return { seeded: true, events };
}
