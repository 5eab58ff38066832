/**
 * The bulk path: a node's planned events are materialised as EPCIS 2.0 JSON, normalised by the kit's
 * own `normaliseDocument` (the same validation and canonical keys as capture), turned into exactly
 * the rows `ingestDocument` would store, and streamed with COPY into every target (the node's database
 * and its schema in the floor database) at once. Secondary indexes and foreign keys are dropped for
 * the load and rebuilt after it. `checkBulkLoad` proves the rows equal what ingestDocument stores.
 */
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { normaliseDocument, type NormalisedEvent, type MasterDataElement } from '@tracefed/kit/epcis/normalise';
import { prepareBulkLoad } from './databases.ts';
import { epcisDocument, type NodePlan } from './network.ts';

const { from: copyFrom } = copyStreams;

export interface LoadTarget {
  url: string;
  /** `public` in a node database; the node's name in the floor database. */
  schema: string;
}

export interface LoadStats {
  node: string;
  events: number;
  epcRows: number;
  containmentRows: number;
  vocabularyRows: number;
  /** Generating, normalising and streaming rows. */
  copySeconds: number;
  /** Rebuilding indexes and constraints, and ANALYZE. */
  indexSeconds: number;
}

export const EVENT_COLUMNS =
  'id, event_id, owner_gln, event_type, event_time, event_time_zone_offset, record_time, action, biz_step, disposition, read_point, biz_location, parent_key, biz_transactions, sources, destinations, ilmd, extensions, error_declaration, document';
export const EPC_COLUMNS = 'event_pk, role, epc_key, gtin, serial, lot, quantity, uom';
const CONTAINMENT_COLUMNS = 'child_key, seq, parent_key, valid_from, valid_to';
const VOCABULARY_COLUMNS = 'vocabulary_type, key, owner_gln, attributes, children, updated_at';

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** A value in COPY's text format. */
function field(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  const text = typeof value === 'number' ? String(value) : value;
  return NEEDS_ESCAPE.test(text) ? text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : text;
}
const json = (value: unknown) => (value === null || value === undefined ? '\\N' : field(JSON.stringify(value)));

/** One COPY ... FROM STDIN per table and target, fed in ~1 MB chunks with backpressure. */
class CopyWriter {
  private parts: string[] = [];
  private size = 0;
  private failure: Error | undefined;
  rows = 0;
  private constructor(
    private readonly clients: pg.Client[],
    private readonly streams: NodeJS.WritableStream[],
    private readonly table: string,
  ) {
    // PostgreSQL rejects a bad row by failing the stream; keep the first error and raise it on the next write.
    for (const stream of streams) stream.on('error', (error: Error) => void (this.failure ??= error));
  }

  static async open(targets: LoadTarget[], table: string, columns: string): Promise<CopyWriter> {
    const clients: pg.Client[] = [];
    const streams: NodeJS.WritableStream[] = [];
    for (const target of targets) {
      const client = new pg.Client({ connectionString: target.url });
      client.on('error', () => {});
      await client.connect();
      await client.query('SET synchronous_commit = off');
      clients.push(client);
      streams.push(client.query(copyFrom(`COPY "${target.schema}".${table} (${columns}) FROM STDIN`)));
    }
    return new CopyWriter(clients, streams, table);
  }

  async row(line: string): Promise<void> {
    this.parts.push(line);
    this.size += line.length;
    this.rows += 1;
    if (this.size > 1_000_000) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.failure) throw new Error(`COPY into ${this.table} failed: ${this.failure.message}`);
    if (this.parts.length === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    await Promise.all(
      this.streams.map(async (stream) => {
        if (stream.write(chunk)) return;
        // Wait for 'drain' or 'error', and take the other listener off again: racing two once() calls left
        // an error listener behind at every full buffer (Node's MaxListenersExceededWarning in long loads).
        await new Promise<void>((resolve, reject) => {
          const drained = () => {
            stream.off('error', failed);
            resolve();
          };
          const failed = (error: Error) => {
            stream.off('drain', drained);
            reject(error);
          };
          stream.once('drain', drained);
          stream.once('error', failed);
        });
      }),
    );
  }

  async close(): Promise<void> {
    await this.flush();
    try {
      await Promise.all(
        this.streams.map(
          (stream) =>
            new Promise<void>((resolve, reject) => {
              if (this.failure) return reject(this.failure);
              stream.once('finish', resolve);
              stream.once('error', reject);
              stream.end();
            }),
        ),
      );
    } catch (error) {
      throw new Error(`COPY into ${this.table} failed: ${(error as Error).message}`);
    } finally {
      await Promise.all(this.clients.map((c) => c.end()));
    }
  }

  /** Abandons the COPY (the transaction rolls back) when the load fails. */
  async abort(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.end().catch(() => {})));
  }
}

/**
 * Containment derived the way ingest's rebuildContainment does, but streaming: aggregation events are
 * applied in capture (time) order. ADD/OBSERVE into another parent closes the open stay and opens a
 * new one; DELETE closes the stay in that parent; a DELETE naming only a parent empties it.
 */
class ContainmentDeriver {
  private readonly open = new Map<string, { parent: string; from: string }>();
  private readonly inside = new Map<string, Set<string>>();
  private readonly nextSeq = new Map<string, number>();
  readonly rows: string[] = [];

  childrenOf(parent: string): string[] {
    return [...(this.inside.get(parent) ?? [])];
  }

  apply(child: string, parent: string, action: string, at: string): void {
    const stay = this.open.get(child);
    if (action === 'DELETE') {
      if (stay?.parent === parent) this.close(child, at);
      return;
    }
    if (stay?.parent === parent) return;
    this.close(child, at);
    this.open.set(child, { parent, from: at });
    let set = this.inside.get(parent);
    if (!set) this.inside.set(parent, (set = new Set()));
    set.add(child);
  }

  private close(child: string, at: string | null): void {
    const stay = this.open.get(child);
    if (!stay) return;
    const seq = this.nextSeq.get(child) ?? 0;
    this.nextSeq.set(child, seq + 1);
    this.rows.push(`${field(child)}\t${seq}\t${field(stay.parent)}\t${stay.from}\t${at ?? '\\N'}\n`);
    this.open.delete(child);
    this.inside.get(stay.parent)?.delete(child);
  }

  finish(): string[] {
    for (const child of [...this.open.keys()]) this.close(child, null);
    return this.rows;
  }
}

/** An epcis_event row in COPY's text format, as capture stores the event. */
export function eventLine(pk: number, e: NormalisedEvent, owner: string, recordTime: string): string {
  return (
    [
      String(pk),
      field(e.eventId),
      field(owner),
      field(e.eventType),
      e.eventTime.toISOString(),
      field(e.eventTimeZoneOffset),
      recordTime,
      field(e.action),
      field(e.bizStep),
      field(e.disposition),
      field(e.readPoint),
      field(e.bizLocation),
      field(e.parentKey),
      json(e.bizTransactions),
      json(e.sources),
      json(e.destinations),
      json(e.ilmd),
      json(e.extensions),
      json(e.errorDeclaration),
      json(e.document),
    ].join('\t') + '\n'
  );
}

/** An event_epc row in COPY's text format. */
export function epcLine(pk: number, ref: NormalisedEvent['epcs'][number]): string {
  return `${pk}\t${field(ref.role)}\t${field(ref.epcKey)}\t${field(ref.gtin)}\t${field(ref.serial)}\t${field(ref.lot)}\t${field(ref.quantity)}\t${field(ref.uom)}\n`;
}

/** Master data as ingest's upsert leaves it: attributes merged, children and owner from the last writer. */
function mergeMasterData(into: Map<string, MasterDataElement & { owner: string }>, elements: MasterDataElement[], owner: string): void {
  for (const m of elements) {
    const id = `${m.vocabularyType}\u0000${m.key}`;
    const prior = into.get(id);
    into.set(id, { ...m, attributes: { ...(prior?.attributes ?? {}), ...m.attributes }, owner });
  }
}

const BATCH = 1000;

/** Bulk-loads one node's planned events into every target. */
export async function loadNode(
  plan: NodePlan,
  targets: LoadTarget[],
  options: { progress?: (line: string) => void; recordTime?: Date } = {},
): Promise<LoadStats> {
  const recordTime = (options.recordTime ?? new Date()).toISOString();
  const admins: pg.Client[] = [];
  for (const target of targets) {
    const client = new pg.Client({ connectionString: target.url });
    client.on('error', () => {});
    await client.connect();
    admins.push(client);
  }
  const writers: CopyWriter[] = [];
  try {
    const restores = await Promise.all(admins.map((client, i) => prepareBulkLoad(client, (targets[i] as LoadTarget).schema)));
    const started = performance.now();
    const events = await CopyWriter.open(targets, 'epcis_event', EVENT_COLUMNS);
    writers.push(events);
    const epcs = await CopyWriter.open(targets, 'event_epc', EPC_COLUMNS);
    writers.push(epcs);
    const containment = new ContainmentDeriver();
    const vocabulary = new Map<string, MasterDataElement & { owner: string }>();
    mergeMasterData(vocabulary, normaliseDocument(plan.masterData.document).masterData, plan.masterData.owner);

    let pk = 0;
    let lastReport = performance.now();
    for (let i = 0; i < plan.events.length; i += BATCH) {
      const batch = plan.events.slice(i, i + BATCH);
      const normalised = normaliseDocument(epcisDocument(batch.map((p) => p.build()))).events;
      for (let j = 0; j < normalised.length; j += 1) {
        const e = normalised[j] as NormalisedEvent;
        const owner = (batch[j] as { owner: string }).owner;
        pk += 1;
        await events.row(eventLine(pk, e, owner, recordTime));
        const at = e.eventTime.toISOString();
        for (const ref of e.epcs) await epcs.row(epcLine(pk, ref));
        if (e.eventType !== 'AggregationEvent' || e.errorDeclaration || !e.parentKey) continue;
        const children = e.epcs.filter((r) => r.role === 'child' || r.role === 'childQuantity');
        if (children.length === 0 && e.action === 'DELETE') {
          // "Unpack everything": ingest records the children the parent held at that moment.
          for (const child of containment.childrenOf(e.parentKey)) {
            await epcs.row(`${pk}\tchild\t${field(child)}\t\\N\t\\N\t\\N\t\\N\t\\N\n`);
            containment.apply(child, e.parentKey, 'DELETE', at);
          }
        } else {
          for (const child of children) containment.apply(child.epcKey, e.parentKey, e.action ?? 'ADD', at);
        }
      }
      const now = performance.now();
      if (options.progress && now - lastReport > 3000) {
        lastReport = now;
        const seconds = (now - started) / 1000;
        options.progress(
          `${plan.node}: ${pk.toLocaleString('en')} / ${plan.events.length.toLocaleString('en')} events, ` +
            `${(events.rows + epcs.rows).toLocaleString('en')} rows, ${Math.round((events.rows + epcs.rows) / seconds).toLocaleString('en')} rows/s`,
        );
      }
    }
    await events.close();
    await epcs.close();

    const containmentRows = containment.finish();
    const stays = await CopyWriter.open(targets, 'containment', CONTAINMENT_COLUMNS);
    writers.push(stays);
    for (const line of containmentRows) await stays.row(line);
    await stays.close();
    const vocab = await CopyWriter.open(targets, 'vocabulary_element', VOCABULARY_COLUMNS);
    writers.push(vocab);
    for (const m of vocabulary.values()) {
      await vocab.row(`${field(m.vocabularyType)}\t${field(m.key)}\t${field(m.owner)}\t${json(m.attributes)}\t${json(m.children)}\t${recordTime}\n`);
    }
    await vocab.close();
    const copySeconds = (performance.now() - started) / 1000;
    options.progress?.(`${plan.node}: rows streamed in ${copySeconds.toFixed(1)} s; rebuilding indexes`);

    const indexStarted = performance.now();
    await Promise.all(restores.map((restore) => restore()));
    // The rows bypassed capture, which keeps the position table current: the node fills it from history on first use.
    await Promise.all(
      admins.map((client, i) => {
        const schema = (targets[i] as LoadTarget).schema;
        return client.query(`DO $$ BEGIN IF to_regclass('"${schema}".unit_position_state') IS NOT NULL THEN DELETE FROM "${schema}".unit_position_state; END IF; END $$`);
      }),
    );
    return {
      node: plan.node,
      events: pk,
      epcRows: epcs.rows,
      containmentRows: containmentRows.length,
      vocabularyRows: vocabulary.size,
      copySeconds,
      indexSeconds: (performance.now() - indexStarted) / 1000,
    };
  } catch (error) {
    await Promise.all(writers.map((w) => w.abort()));
    throw error;
  } finally {
    await Promise.all(admins.map((c) => c.end().catch(() => {})));
  }
}

/**
 * Documents as a node would receive them through capture, the master data document first, each from
 * one tenant and holding at most `size` events. `interleaved` keeps the node's capture (time) order,
 * so tenants alternate and documents stay small; `by-tenant` sends each tenant's events in order,
 * tenant after tenant, so documents fill up to `size`.
 */
export function* captureDocuments(
  plan: NodePlan,
  size = BATCH,
  grouping: 'interleaved' | 'by-tenant' = 'interleaved',
): Generator<{ owner: string; document: Record<string, unknown>; events: number }> {
  yield { owner: plan.masterData.owner, document: plan.masterData.document, events: 0 };
  const streams = new Map<string, typeof plan.events>();
  if (grouping === 'by-tenant') {
    for (const event of plan.events) {
      const list = streams.get(event.owner);
      if (list) list.push(event);
      else streams.set(event.owner, [event]);
    }
  } else streams.set('', plan.events);
  for (const events of streams.values()) {
    let run: Array<Record<string, unknown>> = [];
    let owner = '';
    for (const event of events) {
      if (run.length > 0 && (event.owner !== owner || run.length >= size)) {
        yield { owner, document: epcisDocument(run), events: run.length };
        run = [];
      }
      owner = event.owner;
      run.push(event.build());
    }
    if (run.length > 0) yield { owner, document: epcisDocument(run), events: run.length };
  }
}
