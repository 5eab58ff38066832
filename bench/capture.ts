/**
 * Capture throughput: EPCIS documents of 1,000 events stored through the kit's `ingestDocument` (the
 * function every capture path calls; the HTTP capture endpoint is being built separately), on an
 * in-memory PGlite database and on PostgreSQL. The documents are a small network's own event streams,
 * each tenant's events in time order, 1,000 to a document (a tenant's last one holds the rest).
 */
import { openDatabase, queryRows, sql } from '@tracefed/kit/db/connection';
import { ingestDocument } from '@tracefed/kit/epcis/ingest';
import { createNodeDatabase, type DatabaseRegistry } from './databases.ts';
import { captureDocuments } from './load.ts';
import { buildNetwork, NODE_NAMES, type NodeName } from './network.ts';

export interface CaptureResult {
  driver: 'pglite' | 'postgres';
  documents: number;
  events: number;
  /** event_epc rows the documents named (identifiers stored). */
  identifiers: number;
  seconds: number;
  eventsPerSecond: number;
  perNode: Record<string, { documents: number; events: number; seconds: number; eventsPerSecond: number }>;
  /** True when the time budget ended the run before every document was stored. */
  truncated: boolean;
}

/**
 * Ingests the documents of a `units`-unit network with few tenants (so documents fill up to 1,000
 * events), stopping a node after `budgetSeconds`.
 */
export async function measureCapture(
  driver: 'pglite' | 'postgres',
  migrations: Record<NodeName, string>,
  options: { units: number; budgetSeconds: number; registry?: DatabaseRegistry; prefix?: string },
): Promise<CaptureResult> {
  const network = buildNetwork({ units: options.units, distributors: 3, dispensers: 4, maxLotSize: 20_000 });
  const perNode: CaptureResult['perNode'] = {};
  let documents = 0;
  let events = 0;
  let identifiers = 0;
  let seconds = 0;
  let truncated = false;
  for (const node of NODE_NAMES) {
    let url: string | undefined;
    if (driver === 'postgres') {
      if (!options.registry || !options.prefix) throw new Error('capture on PostgreSQL needs a database registry');
      url = await createNodeDatabase(options.registry, `${options.prefix}_capture_${node}`, migrations[node]);
    }
    const database = await openDatabase({ url, migrationsFolder: migrations[node], maxConnections: 2 });
    const docs = [...captureDocuments(network.nodes[node], 1000, 'by-tenant')];
    // The master data document goes first and is not timed: it carries no events.
    const [master, ...timed] = docs;
    if (master) await ingestDocument(database.db, { owner: master.owner, document: master.document });
    let nodeEvents = 0;
    let nodeDocs = 0;
    const started = performance.now();
    for (const doc of timed) {
      if ((performance.now() - started) / 1000 > options.budgetSeconds) {
        truncated = true;
        break;
      }
      const result = await ingestDocument(database.db, { owner: doc.owner, document: doc.document });
      nodeEvents += result.captured.length;
      nodeDocs += 1;
    }
    const nodeSeconds = (performance.now() - started) / 1000;
    const [stored] = await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM event_epc`);
    identifiers += Number(stored?.n ?? 0);
    await database.close();
    if (driver === 'postgres' && options.registry && options.prefix) await options.registry.drop(`${options.prefix}_capture_${node}`);
    perNode[node] = { documents: nodeDocs, events: nodeEvents, seconds: round(nodeSeconds), eventsPerSecond: Math.round(nodeEvents / nodeSeconds) };
    documents += nodeDocs;
    events += nodeEvents;
    seconds += nodeSeconds;
  }
  return { driver, documents, events, identifiers, seconds: round(seconds), eventsPerSecond: Math.round(events / seconds), perNode, truncated };
}

const round = (v: number) => Math.round(v * 100) / 100;
