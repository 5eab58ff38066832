/**
 * "Make it fast": each proposed change measured before and after on the run's data, without touching
 * shared code. Service variants run another tree of the code (below); database experiments run on the bench's own
 * databases. Every configuration's answers are checked against the floor's.
 *
 * Configurations can also run another tree of the code than the working tree: "HEAD (before)" runs the
 * committed code, unpacked with `git archive` (which only reads the repository) outside the working
 * tree, and the trace fast path configurations run HEAD with only that change's files laid over it, so
 * that other uncommitted work does not mix into the comparison. TRACEFED_BENCH_BASE names another
 * revision to unpack instead of HEAD (to measure a change again once it is committed).
 * TRACEFED_BENCH_CONFIGS (comma-separated configuration names) selects configurations; without it,
 * every one runs.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { SQL } from 'drizzle-orm';
import { normaliseDocument } from '@tracefed/kit/epcis/normalise';
import { createEventRepository } from '@tracefed/kit/epcis/repository';
import { eventEpc } from '@tracefed/kit/epcis/tables';
import { openDatabase, type Db } from '@tracefed/kit/db/connection';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import * as manufacturer from '@tracefed/manufacturer';
import { createNodeDatabase, withClient, type DatabaseRegistry } from './databases.ts';
import { captureDocuments } from './load.ts';
import { load, percentiles, post, sequential, type Headers, type LoadResult, type Percentiles } from './measure.ts';
import { buildNetwork, NODE_NAMES, type NodeName, type SyntheticNetwork } from './network.ts';
import { startService, type Service } from './services.ts';
import { UNTHROTTLED } from './auth.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface ServiceConfig {
  name: string;
  change: string;
  subgraph: (node: NodeName) => { entry: string; env: Record<string, string> };
  gateway: { entry: string; env: Record<string, string> } | (() => { entry: string; env: Record<string, string> });
}

/** The files of the trace fast path change (master data cache, named statements), laid over HEAD. */
const TRACE_FAST_PATH_FILES = [
  'subgraphs/kit/src/epcis/masterDataCache.ts',
  'subgraphs/kit/src/epcis/repository.ts',
  'subgraphs/kit/src/graphql/loaders.ts',
  'subgraphs/kit/src/epcis/capture.ts',
];

/** What the "HEAD" configurations unpack: TRACEFED_BENCH_BASE (a git revision), HEAD by default. */
const BASE_REVISION = process.env.TRACEFED_BENCH_BASE ?? 'HEAD';

let treesDir: string | undefined;
const trees = new Map<string, string>();

/**
 * A copy of the code as committed at BASE_REVISION, plus `overlay` files from the working tree, edited by
 * `edit`, under a temporary directory. Its node_modules links every installed package of the working
 * tree except the workspaces, which point into the copy, so the copy's own kit and subgraphs run.
 */
function codeTree(name: string, overlay: readonly string[] = [], edit?: (dir: string) => void): string {
  const known = trees.get(name);
  if (known) return known;
  treesDir ??= mkdtempSync(join(os.tmpdir(), 'tracefed-bench-trees-'));
  const dir = join(treesDir, name);
  mkdirSync(dir, { recursive: true });
  const archive = execFileSync('git', ['archive', '--format=tar', BASE_REVISION], { cwd: ROOT, maxBuffer: 1024 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  for (const file of overlay) cpSync(join(ROOT, file), join(dir, file));
  edit?.(dir);
  mkdirSync(join(dir, 'node_modules/@tracefed'), { recursive: true });
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry === '@tracefed' || entry === '.bin' || entry.startsWith('.package-lock')) continue;
    symlinkSync(join(ROOT, 'node_modules', entry), join(dir, 'node_modules', entry));
  }
  for (const workspace of readdirSync(join(ROOT, 'node_modules/@tracefed'))) {
    const target = workspace === 'gateway' ? 'gateway' : `subgraphs/${workspace}`;
    symlinkSync(join(dir, target), join(dir, 'node_modules/@tracefed', workspace));
  }
  trees.set(name, dir);
  return dir;
}

/** Replaces one exact text in a file of a code tree, and fails when it is not there exactly once. */
function replaceOnce(dir: string, file: string, from: string, to: string): void {
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  if (text.split(from).length !== 2) throw new Error(`${file}: expected "${from}" exactly once, to make a configuration`);
  writeFileSync(path, text.replace(from, to));
}

const headTree = () => codeTree('head');
const fastPathTree = () => codeTree('fast-path', TRACE_FAST_PATH_FILES);
const cacheOnlyTree = () =>
  codeTree('cache-only', TRACE_FAST_PATH_FILES, (dir) =>
    replaceOnce(dir, 'subgraphs/kit/src/epcis/repository.ts', 'const named = options.namedStatements ?? true;', 'const named = options.namedStatements ?? false;'),
  );
const treeSubgraph = (tree: () => string, env: Record<string, string> = {}) => (node: NodeName) => ({ entry: join(tree(), `subgraphs/${node}/src/main.ts`), env });
const treeGateway = (tree: () => string) => () => ({ entry: join(tree(), 'gateway/src/main.ts'), env: {} });

const shippedSubgraph = (node: NodeName) => ({ entry: `subgraphs/${node}/src/main.ts`, env: {} });

const ALL_CONFIGS: ServiceConfig[] = [
  { name: 'shipped', change: 'the working tree as it is', subgraph: shippedSubgraph, gateway: { entry: 'gateway/src/main.ts', env: {} } },
  {
    name: 'HEAD (before)',
    change: 'the code as committed (git HEAD), master data read per request, every statement unnamed',
    subgraph: treeSubgraph(headTree),
    gateway: treeGateway(headTree),
  },
  {
    name: 'HEAD + master data cache',
    change: 'HEAD with the trace fast path files, named statements switched off: master data cached per process',
    subgraph: treeSubgraph(cacheOnlyTree),
    gateway: treeGateway(cacheOnlyTree),
  },
  {
    name: 'HEAD + trace fast path',
    change: 'HEAD with the trace fast path files: master data cached per process, small batches as named statements',
    subgraph: treeSubgraph(fastPathTree),
    gateway: treeGateway(fastPathTree),
  },
  {
    name: 'HEAD + trace fast path (custom plans)',
    change: 'as "HEAD + trace fast path", PostgreSQL told to plan every execution (plan_cache_mode=force_custom_plan): named statements parsed once per connection, planned every time',
    subgraph: treeSubgraph(fastPathTree, { PGOPTIONS: '-c plan_cache_mode=force_custom_plan' }),
    gateway: treeGateway(fastPathTree),
  },
  {
    name: 'HEAD + trace fast path (generic plans)',
    change: 'as "HEAD + trace fast path", the subgraphs\' connections set plan_cache_mode=force_generic_plan: every named statement planned once per connection, also those of several keys',
    subgraph: treeSubgraph(fastPathTree, { PGOPTIONS: '-c plan_cache_mode=force_generic_plan' }),
    gateway: treeGateway(fastPathTree),
  },
  {
    name: 'NODE_ENV=production',
    change: "shipped code with NODE_ENV=production (graphql-js skips its development-only instanceOf checks)",
    subgraph: (node) => ({ entry: `subgraphs/${node}/src/main.ts`, env: { NODE_ENV: 'production' } }),
    gateway: { entry: 'gateway/src/main.ts', env: { NODE_ENV: 'production' } },
  },
];

function selectConfigs(selection: string | undefined): ServiceConfig[] {
  if (!selection) return ALL_CONFIGS;
  const names = selection.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !ALL_CONFIGS.some((c) => c.name === n));
  if (unknown.length > 0) {
    throw new Error(`TRACEFED_BENCH_CONFIGS names unknown configurations ${unknown.map((n) => `"${n}"`).join(', ')}; known: ${ALL_CONFIGS.map((c) => `"${c.name}"`).join(', ')}`);
  }
  return names.map((n) => ALL_CONFIGS.find((c) => c.name === n) as ServiceConfig);
}

/** The configurations this run measures, in order (the first is the base of the report's ratios). */
export const CONFIGS: ServiceConfig[] = selectConfigs(process.env.TRACEFED_BENCH_CONFIGS);

const gatewayOf = (config: ServiceConfig) => (typeof config.gateway === 'function' ? config.gateway() : config.gateway);

const STATS_SETTLE_MS = 11_000;

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
  let results: ConfigResult[];
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
      const gatewaySpec = gatewayOf(config);
      const gateway = await startService({
        name: `gateway (${config.name})`,
        entry: gatewaySpec.entry,
        env: { ...gatewaySpec.env, ...UNTHROTTLED, MANUFACTURER_URL: set.manufacturer.url, DISTRIBUTOR_URL: set.distributor.url, DISPENSER_URL: set.dispenser.url },
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
      // PostgreSQL 15 publishes a backend's counters at most once a second while it works, and an idle
      // backend's last ones only after 10 s (PGSTAT_IDLE_INTERVAL): wait that long on both sides, or
      // the warm-up leaks into the count and the last traces miss it.
      await new Promise((resolve) => setTimeout(resolve, STATS_SETTLE_MS));
      const before = await commits(urls);
      await sequential(gateway.url, bodies, { requests: 100, warmup: 0, headers: options.headers });
      await new Promise((resolve) => setTimeout(resolve, STATS_SETTLE_MS));
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
    results = CONFIGS.map((config, i) => {
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
    if (treesDir) rmSync(treesDir, { recursive: true, force: true });
    treesDir = undefined;
    trees.clear();
  }
  // With the services stopped, so that their connection pools leave room.
  for (const node of ['manufacturer', 'dispenser'] as const) {
    const named = await measureNamedStatements(urls[node], node);
    options.log(`experiment: named statements on ${node} (${named.samples} units, one connection, [median, p95] ms per call): ${JSON.stringify(named.perQuery)}; plans ${JSON.stringify(named.plans)}`);
  }
  return results;
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
  await createEventRepository(capture, { namedStatements: false }).eventsFor([unitKeyOf]);
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

export interface NamedStatementResult {
  node: NodeName;
  samples: number;
  /** Per repository method: client-side time per call, [median, p95] in ms, per way of running it. */
  perQuery: Record<string, Record<NamedStatementKind, [number, number]>>;
  /** Executions of each named statement on a generic (reused) and on a custom plan, per connection. */
  plans: Record<'named' | 'namedGeneric', Array<{ name: string; generic: number; custom: number }>>;
}

type NamedStatementKind = 'unnamed' | 'named' | 'namedGeneric';

/**
 * The trace's two main queries (eventsFor, containersOf) for one unit at a time, through the kit's
 * repository: unnamed, named (PostgreSQL chooses between a custom and a generic plan), and named on a
 * connection with plan_cache_mode=force_generic_plan (planned once per connection). Each way has its
 * own connection; they alternate call by call so that the machine's load hits them alike.
 */
export async function measureNamedStatements(url: string, node: NodeName, samples = 300): Promise<NamedStatementResult> {
  const keys = await withClient(url, async (c) =>
    (await c.query<{ k: string }>(`SELECT epc_key AS k FROM event_epc WHERE serial IS NOT NULL GROUP BY epc_key ORDER BY md5(epc_key) LIMIT ${samples}`)).rows.map((r) => r.k),
  );
  const pools = {
    unnamed: new pg.Pool({ connectionString: url, max: 1 }),
    named: new pg.Pool({ connectionString: url, max: 1 }),
    namedGeneric: new pg.Pool({ connectionString: url, max: 1, options: '-c plan_cache_mode=force_generic_plan' }),
  };
  try {
    const repos = {
      unnamed: createEventRepository(drizzle({ client: pools.unnamed }) as unknown as Db, { namedStatements: false }),
      named: createEventRepository(drizzle({ client: pools.named }) as unknown as Db),
      namedGeneric: createEventRepository(drizzle({ client: pools.namedGeneric }) as unknown as Db),
    };
    const kinds = Object.keys(repos) as NamedStatementKind[];
    const methods = ['eventsFor', 'containersOf'] as const;
    const times: Record<string, Record<NamedStatementKind, number[]>> = {};
    for (const method of methods) times[method] = { unnamed: [], named: [], namedGeneric: [] };
    // Warm-up: connections, catalogue caches, and the first executions a named statement plans afresh.
    for (const key of keys.slice(0, 10)) for (const method of methods) for (const repo of Object.values(repos)) await repo[method]([key]);
    for (const [i, key] of keys.entries()) {
      const order = kinds.map((_, j) => kinds[(i + j) % kinds.length] as NamedStatementKind);
      for (const method of methods) {
        for (const kind of order) {
          const t = performance.now();
          await repos[kind][method]([key]);
          times[method]?.[kind].push(performance.now() - t);
        }
      }
    }
    const plansOf = async (pool: pg.Pool) =>
      (
        await pool.query<{ name: string; generic_plans: string; custom_plans: string }>(
          "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements WHERE name LIKE 'tracefed_%' ORDER BY name",
        )
      ).rows.map((r) => ({ name: r.name, generic: Number(r.generic_plans), custom: Number(r.custom_plans) }));
    const summary = (v: number[]) => {
      const p = percentiles(v);
      return [p.p50, p.p95] as [number, number];
    };
    return {
      node,
      samples: keys.length,
      perQuery: Object.fromEntries(
        methods.map((m) => [m, Object.fromEntries(kinds.map((k) => [k, summary(times[m]?.[k] ?? [])])) as Record<NamedStatementKind, [number, number]>]),
      ),
      plans: { named: await plansOf(pools.named), namedGeneric: await plansOf(pools.namedGeneric) },
    };
  } finally {
    await Promise.all(Object.values(pools).map((p) => p.end()));
  }
}
