import { sql } from 'drizzle-orm';
import { queryRows, type Database } from '@tracefed/kit/db/connection';
import { captureDocument } from '@tracefed/kit/epcis/capture';
import type { DemoNetwork } from './network.ts';

/** A running node: its database (to see whether it is seeded already) and its GraphQL URL. */
export interface SeedTarget {
  database: Database;
  /** The node's URL (its /graphql URL will do): capture goes to /epcis/capture on the same origin. */
  url: string;
  /** The bearer token of the partner (GLN) that wrote a document. */
  tokenFor(partner: string): string;
}

/**
 * Sends the demo network's documents for one node to its EPCIS capture endpoint, as the partners would:
 * `POST /epcis/capture`, one document at a time in the order they were written, each with the bearer
 * token of the partner that wrote it. Seeds once: a node that already holds events
 * is left as it is, and a node the demo writes no documents for (a node added with `npm run new-subgraph`)
 * gets none. Given only a database (no running node), the documents go through the same capture
 * function the endpoint calls, without HTTP.
 */
export async function seedNode(
  target: SeedTarget | Database,
  node: string,
  network: DemoNetwork,
): Promise<{ seeded: boolean; events: number }> {
  const database = 'database' in target ? target.database : target;
  const [existing] = await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM epcis_event`);
  if ((existing?.n ?? 0) > 0) return { seeded: false, events: existing?.n ?? 0 };
  let events = 0;
  for (const doc of network.documents.filter((d) => d.node === node)) {
    if (!('url' in target)) {
      events += (await captureDocument(database.db, { partner: doc.owner, document: doc.document })).counts.captured;
      continue;
    }
    const response = await fetch(new URL('/epcis/capture', target.url), {
      method: 'POST',
      headers: { 'content-type': 'application/ld+json', authorization: `Bearer ${target.tokenFor(doc.owner)}` },
      body: JSON.stringify(doc.document),
    });
    const body = (await response.json()) as { counts?: { captured: number }; detail?: string; errors?: unknown[] };
    if (response.status !== 202) {
      throw new Error(`demo document "${doc.name}" was refused by ${node} (${response.status}): ${body.detail} ${JSON.stringify(body.errors?.slice(0, 3))}`);
    }
    events += body.counts?.captured ?? 0;
  }
  return { seeded: true, events };
}
