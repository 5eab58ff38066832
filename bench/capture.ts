/**
 * Capture throughput: EPCIS documents of 1,000 events stored through the kit's `ingestDocument` (the
 * queue every capture path goes through, the HTTP capture endpoint's captureDocument too), on an
 * in-memory PGlite database and on PostgreSQL. The documents are a small network's own event streams,
 * each tenant's events in time order, 1,000 to a document (a tenant's last one holds the rest).
 */
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { openDatabase, queryRows, sql } from '@tracefed/kit/db/connection';
import { ingestDocument } from '@tracefed/kit/epcis/ingest';
import { normaliseDocument } from '@tracefed/kit/epcis/normalise';
import { createNodeDatabase, type DatabaseRegistry } from './databases.ts';
import { captureDocuments, EPC_COLUMNS, EVENT_COLUMNS, epcLine, eventLine } from './load.ts';
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
  /** PostgreSQL only: the storage floor of the same documents (see captureFloor). */
  floor?: CaptureRun & { identifiers: number };
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
  const floor = driver === 'postgres' && options.registry && options.prefix ? await captureFloor(network, migrations, options.budgetSeconds, options.registry, options.prefix) : undefined;
  return { driver, identifiers, ...sequential, concurrent, ...(floor ? { floor } : {}) };
}

/**
 * The storage floor of capture, as the direct-SQL trace is the trace's: the same documents' event and
 * identifier rows, exactly as capture stores them, written into a fresh node database (its indexes in
 * place, as a live node's are) with COPY, one transaction per document, committed as capture commits.
 * Nothing else: no validation, normalisation (done beforehand, untimed), idempotence or retraction
 * checks, containment, anomaly checks or position upkeep. What capture costs beyond this is what the
 * derived data and the checks cost; a capture target above this rate cannot be met by this row model on
 * this machine.
 */
async function captureFloor(
  network: ReturnType<typeof buildNetwork>,
  migrations: Record<NodeName, string>,
  budgetSeconds: number,
  registry: DatabaseRegistry,
  prefix: string,
): Promise<CaptureRun & { identifiers: number }> {
  const run: CaptureRun & { identifiers: number } = { documentsInFlight: 1, documents: 0, events: 0, seconds: 0, eventsPerSecond: 0, perNode: {}, truncated: false, identifiers: 0 };
  const recordTime = new Date().toISOString();
  for (const node of NODE_NAMES) {
    const [, ...timed] = [...captureDocuments(network.nodes[node], 1000, 'by-tenant')];
    const docs = timed.map((d) => ({ owner: d.owner, events: normaliseDocument(d.document).events }));
    const name = `${prefix}_capture_${node}_floor`;
    const client = new pg.Client({ connectionString: await createNodeDatabase(registry, name, migrations[node]) });
    client.on('error', () => {});
    await client.connect();
    let pk = 0;
    let events = 0;
    let documents = 0;
    let truncated = false;
    const started = performance.now();
    try {
      for (const doc of docs) {
        if ((performance.now() - started) / 1000 > budgetSeconds) {
          truncated = true;
          break;
        }
        const eventRows: string[] = [];
        const epcRows: string[] = [];
        for (const e of doc.events) {
          pk += 1;
          eventRows.push(eventLine(pk, e, doc.owner, recordTime));
          for (const ref of e.epcs) epcRows.push(epcLine(pk, ref));
        }
        await client.query('BEGIN');
        await copyInto(client, 'epcis_event', EVENT_COLUMNS, eventRows.join(''));
        await copyInto(client, 'event_epc', EPC_COLUMNS, epcRows.join(''));
        await client.query('COMMIT');
        events += doc.events.length;
        run.identifiers += epcRows.length;
        documents += 1;
      }
    } finally {
      await client.end();
      await registry.drop(name);
    }
    const seconds = (performance.now() - started) / 1000;
    run.perNode[node] = { documents, events, seconds: round(seconds), eventsPerSecond: Math.round(events / seconds) };
    run.documents += documents;
    run.events += events;
    run.seconds += seconds;
    run.truncated ||= truncated;
  }
  run.eventsPerSecond = Math.round(run.events / run.seconds);
  run.seconds = round(run.seconds);
  return run;
}

/** One COPY ... FROM STDIN of the given text-format rows. */
async function copyInto(client: pg.Client, table: string, columns: string, rows: string): Promise<void> {
  const stream = client.query(copyStreams.from(`COPY ${table} (${columns}) FROM STDIN`));
  await new Promise<void>((resolve, reject) => {
    stream.once('finish', resolve);
    stream.once('error', reject);
    stream.end(rows);
  });
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
