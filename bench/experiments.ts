/**
 * "Make it fast": each proposed change measured before and after on the run's data, without touching
 * shared code. Service variants live in bench/variants/; database experiments run on the bench's own
 * databases. Every configuration's answers are checked against the floor's.
 */
import { isDeepStrictEqual } from 'node:util';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { SQL } from 'drizzle-orm';
import { normaliseDocument } from '@tracefed/kit/epcis/normalise';
import { createEventRepository } from '@tracefed/kit/epcis/repository';
import { eventEpc } from '@tracefed/kit/epcis/tables';
import { openDatabase, type Db } from '@tracefed/kit/db/connection';
import * as manufacturer from '@tracefed/manufacturer';
import { createNodeDatabase, withClient, type DatabaseRegistry } from './databases.ts';
import { captureDocuments } from './load.ts';
import { load, percentiles, post, sequential, type Headers, type LoadResult, type Percentiles } from './measure.ts';
import { buildNetwork, NODE_NAMES, type NodeName, type SyntheticNetwork } from './network.ts';
import { startService, type Service } from './services.ts';
import { UNTHROTTLED } from './auth.ts';

export interface ServiceConfig {
  name: string;
  change: string;
  subgraph: (node: NodeName) => { entry: string; env: Record<string, string> };
  gateway: { entry: string; env: Record<string, string> };
}

const shippedSubgraph = (node: NodeName) => ({ entry: `subgraphs/${node}/src/main.ts`, env: {} });
const cachedSubgraph = (node: NodeName) => ({ entry: 'bench/variants/subgraph.ts', env: { NODE: node, MASTER_DATA_CACHE: '1' } });

export const CONFIGS: ServiceConfig[] = [
  { name: 'shipped', change: 'as committed: gateway fetches with Node fetch, subgraphs read master data per request', subgraph: shippedSubgraph, gateway: { entry: 'gateway/src/main.ts', env: {} } },
  {
    name: 'variant harness (control)',
    change: 'bench/variants/gateway.ts with Node fetch: must match "shipped"',
    subgraph: shippedSubgraph,
    gateway: { entry: 'bench/variants/gateway.ts', env: { GATEWAY_FETCHER: 'fetch' } },
  },
  {
    name: 'gateway: node:http keep-alive agent',
    change: 'subgraph fetches through node:http with a keep-alive Agent instead of Node fetch (undici)',
    subgraph: shippedSubgraph,
    gateway: { entry: 'bench/variants/gateway.ts', env: { GATEWAY_FETCHER: 'agent' } },
  },
  {
    name: 'subgraphs: master data cached',
    change: 'vocabulary elements (parties, locations, products) kept per process, read once',
    subgraph: cachedSubgraph,
    gateway: { entry: 'gateway/src/main.ts', env: {} },
  },
  {
    name: 'both',
    change: 'node:http agent in the gateway and master data cached in the subgraphs',
    subgraph: cachedSubgraph,
    gateway: { entry: 'bench/variants/gateway.ts', env: { GATEWAY_FETCHER: 'agent' } },
  },
  {
    name: 'NODE_ENV=production',
    change: "shipped code with NODE_ENV=production (graphql-js skips its development-only instanceOf checks)",
    subgraph: (node) => ({ entry: `subgraphs/${node}/src/main.ts`, env: { NODE_ENV: 'production' } }),
    gateway: { entry: 'gateway/src/main.ts', env: { NODE_ENV: 'production' } },
  },
  {
    name: 'all three',
    change: 'node:http agent, master data cached, NODE_ENV=production',
    subgraph: (node) => ({ entry: 'bench/variants/subgraph.ts', env: { NODE: node, MASTER_DATA_CACHE: '1', NODE_ENV: 'production' } }),
    gateway: { entry: 'bench/variants/gateway.ts', env: { GATEWAY_FETCHER: 'agent', NODE_ENV: 'production' } },
  },
];

export interface ConfigResult {
  name: string;
  change: string;
  answersEqualFloor: number;
  compared: number;
  c1: Percentiles;
  c16: LoadResult;
  statementsPerTrace: Record<string, number>;
}

async function commits(urls: Record<NodeName, string>): Promise<Record<NodeName, number>> {
  const out = {} as Record<NodeName, number>;
  for (const node of NODE_NAMES) {
    out[node] = await withClient(urls[node], async (c) =>
      Number((await c.query<{ n: string }>('SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()')).rows[0]?.n ?? 0),
    );
  }
  return out;
}

/**
 * Runs every configuration on the same data. All of them are up at once (configurations with the same
 * subgraphs share those processes) and latency and throughput are measured in interleaved rounds, so
 * that changes in the machine's load, which other work shares, hit every configuration alike. SQL
 * statements are counted one configuration at a time.
 */
export async function measureConfigs(
  urls: Record<NodeName, string>,
  floorUrl: string,
  bodies: string[],
  options: { requests: number; seconds: number; rounds?: number; log: (line: string) => void; headers: Headers },
): Promise<ConfigResult[]> {
  const started: Service[] = [];
  const subgraphSets = new Map<string, Record<NodeName, Service>>();
  try {
    const gateways: Service[] = [];
    for (const config of CONFIGS) {
      const setKey = JSON.stringify(NODE_NAMES.map((n) => config.subgraph(n)));
      let set = subgraphSets.get(setKey);
      if (!set) {
        set = {} as Record<NodeName, Service>;
        for (const node of NODE_NAMES) {
          const spec = config.subgraph(node);
          const service = await startService({
            name: `${node} (${config.name})`,
            entry: spec.entry,
            env: { ...spec.env, [`${node.toUpperCase()}_DATABASE_URL`]: urls[node] },
            ready: /subgraph ready at (\S+)/,
          });
          started.push(service);
          set[node] = service;
        }
        subgraphSets.set(setKey, set);
      }
      const gateway = await startService({
        name: `gateway (${config.name})`,
        entry: config.gateway.entry,
        env: { ...config.gateway.env, ...UNTHROTTLED, MANUFACTURER_URL: set.manufacturer.url, DISTRIBUTOR_URL: set.distributor.url, DISPENSER_URL: set.dispenser.url },
        ready: /gateway ready at (\S+)/,
      });
      started.push(gateway);
      gateways.push(gateway);
    }
    const floor = await startService({ name: 'floor', entry: 'bench/floor-server.ts', env: { FLOOR_DATABASE_URL: floorUrl }, ready: /floor ready at (\S+)/ });
    started.push(floor);

    // Answers, warm-up and statements: one configuration at a time.
    const compared = 100;
    const checks: Array<{ equal: number; statementsPerTrace: Record<string, number> }> = [];
    for (const [i, gateway] of gateways.entries()) {
      let equal = 0;
      for (let j = 0; j < compared; j += 1) {
        const body = bodies[j] as string;
        const [ours, expected] = await Promise.all([post(gateway.url, body, options.headers), post(floor.url, body, options.headers)]);
        if (isDeepStrictEqual(JSON.parse(ours.text), JSON.parse(expected.text))) equal += 1;
      }
      await sequential(gateway.url, bodies, { requests: 100, warmup: 0, headers: options.headers });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const before = await commits(urls);
      await sequential(gateway.url, bodies, { requests: 100, warmup: 0, headers: options.headers });
      // PostgreSQL publishes a backend's counters at most once a second.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const after = await commits(urls);
      const statementsPerTrace = Object.fromEntries(NODE_NAMES.map((node) => [node, Math.round(((after[node] - before[node] - 1) / 100) * 10) / 10]));
      checks.push({ equal, statementsPerTrace });
      options.log(`experiment "${CONFIGS[i]?.name}": answers ${equal}/${compared}, statements ${JSON.stringify(statementsPerTrace)}`);
    }

    // Latency and throughput: interleaved rounds.
    const rounds = options.rounds ?? 4;
    const latency: number[][] = gateways.map(() => []);
    const loads: LoadResult[][] = gateways.map(() => []);
    for (let r = 0; r < rounds; r += 1) {
      for (const [i, gateway] of gateways.entries()) {
        const slice = bodies.slice(r * 50, r * 50 + 50);
        await sequential(gateway.url, slice, { requests: Math.ceil(options.requests / rounds), warmup: 0, samples: latency[i], headers: options.headers });
      }
      for (const [i, gateway] of gateways.entries()) {
        (loads[i] as LoadResult[]).push(await load(gateway.url, bodies, 16, Math.max(2, Math.round(options.seconds / rounds)), options.headers));
      }
      options.log(`experiments: round ${r + 1}/${rounds} done`);
    }
    return CONFIGS.map((config, i) => {
      const runs = loads[i] as LoadResult[];
      const requests = runs.reduce((s, l) => s + l.requests, 0);
      const seconds = runs.reduce((s, l) => s + l.seconds, 0);
      const c16: LoadResult = {
        connections: 16,
        seconds,
        requests,
        throughput: Math.round((requests / seconds) * 10) / 10,
        latency: {
          mean: avg(runs.map((l) => l.latency.mean)),
          p50: avg(runs.map((l) => l.latency.p50)),
          p90: avg(runs.map((l) => l.latency.p90)),
          p97_5: avg(runs.map((l) => l.latency.p97_5)),
          p99: avg(runs.map((l) => l.latency.p99)),
          max: Math.max(...runs.map((l) => l.latency.max)),
        },
        non2xx: runs.reduce((s, l) => s + l.non2xx, 0),
        errors: runs.reduce((s, l) => s + l.errors, 0),
        timeouts: runs.reduce((s, l) => s + l.timeouts, 0),
      };
      const check = checks[i] as { equal: number; statementsPerTrace: Record<string, number> };
      return { name: config.name, change: config.change, answersEqualFloor: check.equal, compared, c1: percentiles(latency[i] as number[]), c16, statementsPerTrace: check.statementsPerTrace };
    });
  } finally {
    for (const service of started.reverse()) await service.stop();
  }
}

const avg = (values: number[]) => Math.round((values.reduce((s, v) => s + v, 0) / Math.max(1, values.length)) * 10) / 10;

export interface IngestInsertResult {
  rows: number;
  drizzleMs: number;
  unnestMs: number;
}

/**
 * Capture's largest cost is drizzle building multi-row INSERTs (40,000 identifier rows of one
 * 1,000-event manufacturer document). The same rows inserted with one statement of column arrays
 * (INSERT ... SELECT FROM unnest) show what a different insert path would save.
 */
export async function measureIngestInsert(registry: DatabaseRegistry, prefix: string): Promise<IngestInsertResult> {
  const name = `${prefix}_insert`;
  const url = await createNodeDatabase(registry, name, manufacturer.migrationsFolder);
  const database = await openDatabase({ url, migrationsFolder: manufacturer.migrationsFolder, maxConnections: 1 });
  try {
    const network = buildNetwork({ units: 20_000, distributors: 3, dispensers: 4, maxLotSize: 20_000 });
    const [, doc] = [...captureDocuments(network.nodes.manufacturer, 1000, 'by-tenant')];
    if (!doc) throw new Error('no manufacturer document to measure');
    const events = normaliseDocument(doc.document).events;
    // Identifier rows point at events; give the events ids 1..n (the table is empty).
    await withClient(url, (c) =>
      c.query(
        `INSERT INTO epcis_event (id, event_id, owner_gln, event_type, event_time, event_time_zone_offset, document)
         SELECT g, 'urn:bench:' || g, '0', 'ObjectEvent', now(), '+00:00', '{}'::jsonb FROM generate_series(1, ${events.length}) g`,
      ),
    );
    const rows = events.flatMap((e, i) =>
      e.epcs.map((r) => ({ eventPk: i + 1, role: r.role, epcKey: r.epcKey, gtin: r.gtin ?? null, serial: r.serial ?? null, lot: r.lot ?? null, quantity: r.quantity ?? null, uom: r.uom ?? null })),
    );
    const db = database.db as Db;
    const time = async (fn: () => Promise<void>) => {
      const t = performance.now();
      await fn();
      const ms = performance.now() - t;
      await withClient(url, (c) => c.query('TRUNCATE event_epc'));
      return ms;
    };
    const drizzleMs = await time(async () => {
      for (let i = 0; i < rows.length; i += 5000) await db.insert(eventEpc).values(rows.slice(i, i + 5000)).onConflictDoNothing();
    });
    const unnestMs = await time(async () => {
      await withClient(url, (c) =>
        c.query(
          `INSERT INTO event_epc (event_pk, role, epc_key, gtin, serial, lot, quantity, uom)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::text[])
           ON CONFLICT DO NOTHING`,
          [
            rows.map((r) => r.eventPk),
            rows.map((r) => r.role),
            rows.map((r) => r.epcKey),
            rows.map((r) => r.gtin),
            rows.map((r) => r.serial),
            rows.map((r) => r.lot),
            rows.map((r) => r.quantity),
            rows.map((r) => r.uom),
          ],
        ),
      );
    });
    return { rows: rows.length, drizzleMs: Math.round(drizzleMs), unnestMs: Math.round(unnestMs) };
  } finally {
    await database.close();
    await registry.drop(name);
  }
}

export interface JitResult {
  node: NodeName;
  units: number;
  jitOn: { planningMs: number; executionMs: number; jitMs: number };
  jitOff: { planningMs: number; executionMs: number };
}

/** Does PostgreSQL's JIT fire on the trace's main query (eventsFor) at this scale, and what does it cost? */
export async function measureJit(url: string, node: NodeName, unitKeyOf: string, units: number): Promise<JitResult> {
  let captured: SQL | undefined;
  const capture = { execute: async (query: SQL) => ((captured = query), { rows: [] }) } as unknown as Db;
  await createEventRepository(capture).eventsFor([unitKeyOf]);
  const query = new PgDialect().sqlToQuery(captured as SQL);
  const explain = async (jit: boolean) =>
    withClient(url, async (c) => {
      await c.query(`SET jit = ${jit ? 'on' : 'off'}`);
      await c.query(query.sql, query.params as unknown[]);
      const rows = (await c.query<{ 'QUERY PLAN': Array<Record<string, unknown>> }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${query.sql}`, query.params as unknown[])).rows;
      const plan = rows[0]?.['QUERY PLAN'][0] as { 'Planning Time': number; 'Execution Time': number; JIT?: { Timing?: { Total?: number } } };
      return { planningMs: plan['Planning Time'], executionMs: plan['Execution Time'], jitMs: plan.JIT?.Timing?.Total ?? 0 };
    });
  const on = await explain(true);
  const off = await explain(false);
  return { node, units, jitOn: on, jitOff: { planningMs: off.planningMs, executionMs: off.executionMs } };
}

export interface PositionResult {
  units: number;
  /** Building the position table from every node's events (a one-off; capture would keep it current). */
  buildSeconds: Record<string, number>;
  /** Recall from the table: serial list + slowest node alone + merge. */
  recallSeconds: number;
  perNodeSeconds: Record<string, number>;
}

/**
 * Recall from a materialised "latest known event per unit" table on each node (what capture could keep
 * current), instead of deriving positions from the whole event history at recall time.
 */
export async function measurePositionTable(
  urls: Record<NodeName, string>,
  network: SyntheticNetwork,
  latestSql: string,
  unitsSql: string,
): Promise<PositionResult> {
  const lot = network.lots[0];
  if (!lot) throw new Error('network has no lot');
  const keys = await withClient(urls.manufacturer, async (c) => (await c.query<{ epc_key: string }>(unitsSql, [lot.product.gtin, lot.lot])).rows.map((r) => r.epc_key));
  const buildSeconds: Record<string, number> = {};
  for (const node of NODE_NAMES) {
    await withClient(urls[node], async (c) => {
      await c.query("SET work_mem = '64MB'");
      await c.query('SET jit = off');
      const t = performance.now();
      await c.query('DROP TABLE IF EXISTS bench_unit_position');
      await c.query(
        `CREATE TABLE bench_unit_position AS
         SELECT u.unit_key, l.event_time, l.owner_gln, l.biz_step, l.disposition
         FROM (${latestSql}) l JOIN unnest($1::text[]) WITH ORDINALITY AS u(unit_key, ord) ON u.ord = l.ord`,
        [keys],
      );
      await c.query('CREATE UNIQUE INDEX ON bench_unit_position (unit_key)');
      await c.query('ANALYZE bench_unit_position');
      buildSeconds[node] = (performance.now() - t) / 1000;
    });
  }
  const perNodeSeconds: Record<string, number> = {};
  const t0 = performance.now();
  await withClient(urls.manufacturer, (c) => c.query(unitsSql, [lot.product.gtin, lot.lot]));
  perNodeSeconds.serials = (performance.now() - t0) / 1000;
  for (const node of NODE_NAMES) {
    await withClient(urls[node], async (c) => {
      const t = performance.now();
      await c.query('SELECT unit_key, event_time, owner_gln, biz_step, disposition FROM bench_unit_position WHERE unit_key = ANY($1::text[])', [keys]);
      perNodeSeconds[node] = (performance.now() - t) / 1000;
    });
  }
  const slowest = Math.max(...NODE_NAMES.map((n) => perNodeSeconds[n] ?? 0));
  return { units: keys.length, buildSeconds, recallSeconds: (perNodeSeconds.serials ?? 0) + slowest, perNodeSeconds };
}
