/**
 * Capture throughput: EPCIS documents of 1,000 events stored through the kit's `ingestDocument` (the
 * queue every capture path goes through, the HTTP capture endpoint's captureDocument too), on an
 * in-memory PGlite database and on PostgreSQL. The documents are a small network's own event streams,
 * each tenant's events in time order, 1,000 to a document (a tenant's last one holds the rest).
 */
import { openDatabase, queryRows, sql } from '@tracefed/kit/db/connection';
import { ingestDocument } from '@tracefed/kit/epcis/ingest';
import { createNodeDatabase, type DatabaseRegistry } from './databases.ts';
import { captureDocuments } from './load.ts';
import { buildNetwork, NODE_NAMES, type NodeName } from './network.ts';

/** One way of feeding a node's documents: `documentsInFlight` captures started and not yet answered. */
export interface CaptureRun {
  documentsInFlight: number;
  documents: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  perNode: Record<string, { documents: number; events: number; seconds: number; eventsPerSecond: number }>;
  /** True when the time budget ended the run before every document was stored. */
  truncated: boolean;
}

/** The sequential run (one document at a time, as before) at the top level; the others in `concurrent`. */
export interface CaptureResult extends CaptureRun {
  driver: 'pglite' | 'postgres';
  /** event_epc rows the documents named (identifiers stored), in the sequential run. */
  identifiers: number;
  /** The same documents with more than one in flight, each run into fresh databases. */
  concurrent: CaptureRun[];
}

/**
 * Ingests the documents of a `units`-unit network with few tenants (so documents fill up to 1,000
 * events), stopping a node after `budgetSeconds`: once one document at a time (the next sent when the
 * last was answered), and once per entry of `inFlight` with that many sent and not yet answered, as
 * concurrent requests to the capture endpoint would be. A node validates each document when it arrives
 * and stores them one at a time in arrival order (ingest.ts, queueStore), so with documents in flight
 * Node validates the next while the database stores the last. The runs take turns per node, each into
 * a fresh database, so that they meet the same load on this shared machine.
 */
export async function measureCapture(
  driver: 'pglite' | 'postgres',
  migrations: Record<NodeName, string>,
  options: { units: number; budgetSeconds: number; registry?: DatabaseRegistry; prefix?: string; inFlight?: number[] },
): Promise<CaptureResult> {
  const network = buildNetwork({ units: options.units, distributors: 3, dispensers: 4, maxLotSize: 20_000 });
  const modes = [1, ...(options.inFlight ?? [2]).filter((k) => k > 1)];
  const runs: CaptureRun[] = modes.map((k) => ({ documentsInFlight: k, documents: 0, events: 0, seconds: 0, eventsPerSecond: 0, perNode: {}, truncated: false }));
  let identifiers = 0;
  for (const node of NODE_NAMES) {
    const docs = [...captureDocuments(network.nodes[node], 1000, 'by-tenant')];
    // The master data document goes first and is not timed: it carries no events.
    const [master, ...timed] = docs;
    for (const run of runs) {
      const name = `${options.prefix}_capture_${node}_${run.documentsInFlight}`;
      let url: string | undefined;
      if (driver === 'postgres') {
        if (!options.registry || !options.prefix) throw new Error('capture on PostgreSQL needs a database registry');
        url = await createNodeDatabase(options.registry, name, migrations[node]);
      }
      const database = await openDatabase({ url, migrationsFolder: migrations[node], maxConnections: 2 });
      if (master) await ingestDocument(database.db, { owner: master.owner, document: master.document });
      const fed = await feed(database.db, timed, run.documentsInFlight, options.budgetSeconds);
      if (run.documentsInFlight === 1) {
        const [stored] = await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM event_epc`);
        identifiers += Number(stored?.n ?? 0);
      }
      await database.close();
      if (driver === 'postgres' && options.registry) await options.registry.drop(name);
      run.perNode[node] = { documents: fed.documents, events: fed.events, seconds: round(fed.seconds), eventsPerSecond: Math.round(fed.events / fed.seconds) };
      run.documents += fed.documents;
      run.events += fed.events;
      run.seconds += fed.seconds;
      run.truncated ||= fed.truncated;
    }
  }
  for (const run of runs) {
    run.eventsPerSecond = Math.round(run.events / run.seconds);
    run.seconds = round(run.seconds);
  }
  const [sequential, ...concurrent] = runs as [CaptureRun, ...CaptureRun[]];
  return { driver, identifiers, ...sequential, concurrent };
}

/**
 * Sends the documents with up to `inFlight` captures unanswered. Each is sent from its own turn of
 * the event loop, as a request body arriving over HTTP would be, so that the database's replies to the
 * store in progress are handled before the next document is validated.
 */
async function feed(
  db: Parameters<typeof ingestDocument>[0],
  docs: Array<{ owner: string; document: unknown }>,
  inFlight: number,
  budgetSeconds: number,
): Promise<{ documents: number; events: number; seconds: number; truncated: boolean }> {
  let events = 0;
  let documents = 0;
  let truncated = false;
  const pending = new Set<Promise<void>>();
  const started = performance.now();
  for (const doc of docs) {
    if ((performance.now() - started) / 1000 > budgetSeconds) {
      truncated = true;
      break;
    }
    while (pending.size >= inFlight) await Promise.race(pending);
    await new Promise<void>((resolve) => setImmediate(resolve));
    const capture: Promise<void> = ingestDocument(db, { owner: doc.owner, document: doc.document })
      .then((result) => {
        events += result.captured.length;
        documents += 1;
      })
      .finally(() => pending.delete(capture));
    pending.add(capture);
  }
  // A failed capture rejects the race or this wait, and with it the measurement.
  await Promise.all(pending);
  return { documents, events, seconds: (performance.now() - started) / 1000, truncated };
}

const round = (v: number) => Math.round(v * 100) / 100;
