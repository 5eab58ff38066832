/**
 * `npm run bench`: builds a national-scale network, bulk-loads it into one PostgreSQL database per
 * node and into one "floor" database, serves it through our gateway and through Hive Gateway, and
 * measures trace, floor, peer gateway, recall, capture, scale, start-up and memory in one run on the
 * same data. Writes bench/results/run-<date>-<units>u.{json,md}. Never part of `npm test`.
 *
 *   npm run bench -- [--units 100000] [--scale-units 10000] [--seconds 10] [--requests 300]
 *                    [--readme] [--profile] [--experiments] [--peer-supergraph <git rev>] [--keep]
 *                    [--skip-capture] [--skip-startup]
 *
 * --peer-supergraph serves Hive Gateway and our gateway from schema/supergraph.graphql as committed at
 * that revision (when Hive Gateway mis-plans the working tree's); Hive is measured only when its answers
 * equal the floor's. --profile and --experiments load the data, then only profile the trace path (--cpu-prof on every
 * process) or only measure the proposed changes before and after (bench/experiments.ts).
 *
 * Identity (issue 5): the run creates development keys once (bench/auth.ts) and every process it starts
 * reads them from DATA_DIR; every trace carries an investigator's bearer token, both gateways verify it
 * and sign the identity for the subgraphs, and the run first checks that both refuse a trace without a
 * valid token. Our gateway runs with a rate limit far above the load.
 *
 * TRACEFED_BENCH_DATABASE_URL names the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres);
 * every database the run creates is dropped at the end, also when it fails or is interrupted.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as manufacturer from '@tracefed/manufacturer';
import * as distributor from '@tracefed/distributor';
import * as dispenser from '@tracefed/dispenser';
import { checkBulkLoad } from './check.ts';
import { measureCapture, type CaptureResult } from './capture.ts';
import { createFloorDatabase, createNodeDatabase, databaseSize, DatabaseRegistry, withClient } from './databases.ts';
import { loadNode, type LoadStats } from './load.ts';
import { load, percentiles, post, sequential } from './measure.ts';
import { buildNetwork, FATE, NODE_NAMES, sampleUnits, unitAt, type NodeName, type SyntheticNetwork } from './network.ts';
import { summariseProfile, type ProfileSummary } from './profile.ts';
import { roundsOf, startRecordingProxies } from './proxy.ts';
import { elementString, traceBody, WHEREABOUTS } from './queries.ts';
import { recallLot, type RecallResult } from './recall.ts';
import { renderMarkdown, resultsTable, type Results, type TargetResults } from './report.ts';
import { buildServices, configureServices, memoryOf, sampling, startService, stopAllServices, type Service } from './services.ts';
import { BENCH_IDENTITY, prepareBenchAuth, UNTHROTTLED, type BenchAuth } from './auth.ts';
import { measureStartup } from './startup.ts';
import { measureConfigs, measureIngestInsert, measureJit, measurePositionTable } from './experiments.ts';
import { LATEST_SQL, UNITS_SQL } from './recall.ts';
import { unitKey } from '@tracefed/kit/gs1/index';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = new URL('./results/', import.meta.url);
const MIGRATIONS: Record<NodeName, string> = {
  manufacturer: manufacturer.migrationsFolder,
  distributor: distributor.migrationsFolder,
  dispenser: dispenser.migrationsFolder,
};

interface Options {
  units: number;
  scaleUnits: number;
  seconds: number;
  requests: number;
  readme: boolean;
  profile: boolean;
  experiments: boolean;
  peerSupergraph?: string;
  keep: boolean;
  skipCapture: boolean;
  skipStartup: boolean;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { units: 100_000, scaleUnits: 10_000, seconds: 10, requests: 300, readme: false, profile: false, experiments: false, keep: false, skipCapture: false, skipStartup: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const number = () => {
      const value = Number(argv[++i]);
      if (!Number.isFinite(value) || value <= 0) throw new Error(`${arg} needs a positive number, got ${argv[i]}`);
      return value;
    };
    if (arg === '--units') options.units = number();
    else if (arg === '--scale-units') options.scaleUnits = number();
    else if (arg === '--seconds') options.seconds = number();
    else if (arg === '--requests') options.requests = number();
    else if (arg === '--readme') options.readme = true;
    else if (arg === '--profile') options.profile = true;
    else if (arg === '--experiments') options.experiments = true;
    else if (arg === '--peer-supergraph') {
      const rev = argv[++i];
      if (!rev) throw new Error('--peer-supergraph needs a git revision (a commit, tag or branch)');
      options.peerSupergraph = rev;
    }
    else if (arg === '--keep') options.keep = true;
    else if (arg === '--skip-capture') options.skipCapture = true;
    else if (arg === '--skip-startup') options.skipStartup = true;
    else throw new Error(`unknown option ${arg} (see the comment at the top of bench/run.ts)`);
  }
  return options;
}

const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const fmt = (v: number) => Math.round(v).toLocaleString('en');

function version(name: string): string {
  try {
    return (JSON.parse(readFileSync(`${ROOT}node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'subgraphs', 'gateway', 'schema'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${head} (with uncommitted changes in subgraphs/gateway/schema)` : head;
  } catch {
    return 'unknown';
  }
}

/** Loads a network into fresh node databases (and the floor, when given). */
async function loadNetwork(
  network: SyntheticNetwork,
  registry: DatabaseRegistry,
  prefix: string,
  floor: boolean,
): Promise<{ urls: Record<NodeName, string>; floorUrl?: string; stats: LoadStats[]; seconds: number }> {
  const urls = {} as Record<NodeName, string>;
  for (const node of NODE_NAMES) urls[node] = await createNodeDatabase(registry, `${prefix}_${node}`, MIGRATIONS[node]);
  const floorUrl = floor ? await createFloorDatabase(registry, `${prefix}_floor`, MIGRATIONS) : undefined;
  const started = performance.now();
  const stats: LoadStats[] = [];
  for (const node of NODE_NAMES) {
    const targets = [{ url: urls[node], schema: 'public' }, ...(floorUrl ? [{ url: floorUrl, schema: node }] : [])];
    const s = await loadNode(network.nodes[node], targets, { progress: (line) => log(`load ${line}`) });
    log(`load ${node}: ${fmt(s.events)} events, ${fmt(s.epcRows)} identifier rows, ${fmt(s.containmentRows)} containment rows (COPY ${s.copySeconds.toFixed(1)} s, indexes ${s.indexSeconds.toFixed(1)} s)`);
    stats.push(s);
  }
  return { urls, ...(floorUrl ? { floorUrl } : {}), stats, seconds: (performance.now() - started) / 1000 };
}

/** Starts the three subgraphs and our gateway as child processes on port 0. */
async function startNetworkServices(urls: Record<NodeName, string>, label: string, nodeFlags: string[] = []) {
  const subgraphs = await Promise.all(
    NODE_NAMES.map((node) =>
      startService({
        name: `${label}${node}`,
        entry: `subgraphs/${node}/src/main.ts`,
        env: { [`${node.toUpperCase()}_DATABASE_URL`]: urls[node] },
        ready: /subgraph ready at (\S+)/,
        nodeFlags,
      }),
    ),
  );
  const subgraphUrls = Object.fromEntries(NODE_NAMES.map((node, i) => [node, (subgraphs[i] as Service).url])) as Record<NodeName, string>;
  const gateway = await startService({
    name: `${label}gateway`,
    entry: 'gateway/src/main.ts',
    env: gatewayEnv(subgraphUrls),
    ready: /gateway ready at (\S+)/,
    nodeFlags,
  });
  return { subgraphs, subgraphUrls, gateway };
}

/** A gateway's subgraph URLs, and a rate limit the bench never reaches (the default, 600/min per partner, would throttle it). */
const gatewayEnv = (urls: Record<string, string>) => ({
  MANUFACTURER_URL: urls.manufacturer as string,
  DISTRIBUTOR_URL: urls.distributor as string,
  DISPENSER_URL: urls.dispenser as string,
  ...UNTHROTTLED,
});

/** schema/supergraph.graphql as committed at `rev`, written to a temporary file (git show only reads). */
function supergraphAt(rev: string): { file: string; rev: string } {
  const sdl = execFileSync('git', ['show', `${rev}:schema/supergraph.graphql`], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const short = execFileSync('git', ['rev-parse', '--short', rev], { cwd: ROOT, encoding: 'utf8' }).trim();
  const file = `${os.tmpdir()}/tracefed-bench-supergraph-${short}.graphql`;
  writeFileSync(file, sdl);
  return { file, rev: short };
}

function traceBodies(network: SyntheticNetwork, count: number, seed = 7): string[] {
  return sampleUnits(network, count, seed).map((u) => traceBody(elementString(unitAt(network, u))));
}

/** First place where two answers differ, for the report. */
function firstDifference(a: unknown, b: unknown, path = '$'): string | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
      if (found) return found;
    }
  }
  return `${path}: ${JSON.stringify(a)?.slice(0, 200)} vs ${JSON.stringify(b)?.slice(0, 200)}`;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const adminUrl = process.env.TRACEFED_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const registry = new DatabaseRegistry(adminUrl);
  const prefix = `tracefed_bench_${Date.now().toString(36)}`;
  // The development keys are created here, once, before any process starts; every child reads them.
  const auth = await prepareBenchAuth();
  configureServices({ env: auth.env, unset: auth.unset, compiled: buildServices() });
  let cleaning = false;
  const cleanup = async () => {
    if (cleaning) return;
    cleaning = true;
    await stopAllServices();
    auth.dispose();
    if (options.keep) log(`kept databases: ${registry.names().join(', ')}`);
    else await registry.dropAll();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      log(`${signal}: stopping services and dropping the bench databases`);
      void cleanup().then(() => process.exit(130));
    });
  }

  try {
    const disk = statfsSync(ROOT);
    const freeGb = (disk.bavail * disk.bsize) / 1e9;
    // Rows take about 1.3 kB a unit in the node databases and as much again in the floor.
    const neededGb = (options.units * 2.6e3) / 1e9 + 1;
    log(`disk: ${freeGb.toFixed(0)} GB free under ${ROOT}; this run needs about ${neededGb.toFixed(1)} GB`);
    if (freeGb < neededGb) throw new Error(`not enough disk: ${freeGb.toFixed(1)} GB free, about ${neededGb.toFixed(1)} GB needed`);

    const pgVersion = await withClient(adminUrl, async (c) => (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '?');
    const results: Results = {
      date: new Date().toISOString(),
      machine: {
        cpu: os.cpus()[0]?.model ?? 'unknown',
        cores: os.cpus().length,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        os: `${os.type()} ${os.release()}`,
        node: process.versions.node,
        postgres: `PostgreSQL ${pgVersion}`,
        loadAverageAtStart: os.loadavg(),
        loadAverageAtEnd: [],
      },
      versions: Object.fromEntries(
        ['@apollo/gateway', '@apollo/server', '@apollo/subgraph', 'graphql', 'dataloader', 'drizzle-orm', 'pg', '@electric-sql/pglite', '@graphql-hive/gateway', 'autocannon', 'tsx'].map((p) => [p, version(p)]),
      ),
      commit: commit(),
      options: { units: options.units, scaleUnits: options.scaleUnits, seconds: options.seconds, requests: options.requests },
      data: undefined as unknown as Results['data'],
      answers: { compared: 0, gatewayEqualsFloor: 0, hiveEqualsFloor: 0 },
      auth: {
        identity: `${BENCH_IDENTITY.role} (partner ${BENCH_IDENTITY.partner}): custody and prices, not dispense details`,
        gateway: 'verifies the ES256 bearer token (jose, local JWKS; a token once per process, then from its cache), per-partner rate limit (set far above the load), graphql-armor limits, signs the identity (HS256; one token per identity for 30 s) for every subgraph fetch',
        hive: 'verifies the same ES256 bearer token (its useJWT plugin, jsonwebtoken, same keys, issuer, audience, algorithms), the same graphql-armor limits (envelop flavour), signs the identity with the same HS256 signer (one token per identity for 30 s) and propagates it to every subgraph fetch; no rate limiter',
        subgraphs: 'every subgraph request checks the signed identity (HS256, each token verified once per process and then read from its cache), behind either gateway',
      },
      trace: undefined as unknown as Results['trace'],
      memory: {},
    };

    if (!options.profile && !options.experiments) {
      log('bulk path check: COPY and ingestDocument must store the same rows');
      results.bulkCheck = await checkBulkLoad(registry, prefix, MIGRATIONS);
      log(`bulk path check: ${results.bulkCheck.identical ? 'identical' : 'DIFFERENT'} (${fmt(results.bulkCheck.events)} events)`);
    }

    // ---- Data ---------------------------------------------------------------------------------------
    log(`planning a network of ${fmt(options.units)} units`);
    const network = buildNetwork({ units: options.units });
    const fates = Object.fromEntries(Object.entries(FATE).map(([k, v]) => [k, network.fate.filter((f) => f === v).length]));
    log(`planned ${network.lots.length} lots, ${network.distributors.length} distributors, ${network.dispensers.length} dispensers; ` +
      `${NODE_NAMES.map((n) => `${n} ${fmt(network.nodes[n].events.length)} events`).join(', ')}; fates ${JSON.stringify(fates)}`);
    const main = await loadNetwork(network, registry, prefix, true);
    const events = main.stats.reduce((s, x) => s + x.events, 0);
    const rows = main.stats.reduce((s, x) => s + x.events + x.epcRows + x.containmentRows + x.vocabularyRows, 0);
    const databaseBytes: Record<string, number> = {};
    for (const node of NODE_NAMES) databaseBytes[node] = await databaseSize(main.urls[node]);
    databaseBytes.floor = await databaseSize(main.floorUrl as string);
    results.data = {
      units: options.units,
      lots: network.lots.length,
      largestLot: Math.max(...network.lots.map((l) => l.size)),
      distributors: network.distributors.length,
      dispensers: network.dispensers.length,
      events,
      rows,
      load: { seconds: main.seconds, eventsPerSecond: events / main.seconds, rowsPerSecond: rows / main.seconds, perNode: main.stats },
      databaseBytes,
    };
    log(`loaded ${fmt(events)} events, ${fmt(rows)} rows (x2 with the floor) in ${main.seconds.toFixed(1)} s: ${fmt(events / main.seconds)} events/s, ${fmt(rows / main.seconds)} rows/s`);

    if (options.profile) {
      await profileRun(options, network, main.urls, auth);
      return;
    }
    if (options.experiments) {
      await experimentsRun(options, network, main.urls, main.floorUrl as string, registry, prefix, auth);
      return;
    }

    // ---- Services -------------------------------------------------------------------------------------
    log('starting subgraphs, our gateway, Hive Gateway and the floor as child processes on port 0');
    const ours = await startNetworkServices(main.urls, '');
    let hive: Service | undefined;
    try {
      hive = await startService({ name: 'hive', entry: 'bench/hive.ts', env: gatewayEnv(ours.subgraphUrls), ready: /hive gateway ready at (\S+)/ });
    } catch (error) {
      results.trace = { gateway: undefined as never, floor: undefined as never, hiveError: (error as Error).message.split('\n')[0] };
      log(`Hive Gateway did not start: ${(error as Error).message}`);
    }
    const floor = await startService({ name: 'floor', entry: 'bench/floor-server.ts', env: { FLOOR_DATABASE_URL: main.floorUrl as string }, ready: /floor ready at (\S+)/ });
    const underLoad = [ours.gateway, ...ours.subgraphs, floor, ...(hive ? [hive] : [])];

    // ---- Both gateways refuse a trace without a valid token ----------------------------------------------
    const bodies = traceBodies(network, 1000);
    const refused: Record<string, { noToken: number; forgedToken: number }> = {};
    for (const [name, service] of [['gateway', ours.gateway], ['hive', hive]] as const) {
      if (!service) continue;
      const noToken = (await post(service.url, bodies[0] as string)).status;
      const forgedToken = (await post(service.url, bodies[0] as string, { authorization: `Bearer ${auth.forgedToken}` })).status;
      refused[name] = { noToken, forgedToken };
      if (noToken < 400 || forgedToken < 400) throw new Error(`${name} answered a trace without a valid token (HTTP ${noToken} without one, ${forgedToken} with a forged one): its figures would not include the auth work`);
    }
    (results.auth as NonNullable<Results['auth']>).refused = refused;
    log(`auth: ${Object.entries(refused).map(([name, r]) => `${name} refuses without a token (HTTP ${r.noToken}) and with a forged one (HTTP ${r.forgedToken})`).join('; ')}`);

    // ---- Answers: every target must give the floor's answer -------------------------------------------
    const compared = 200;
    log(`checking ${compared} traces: our gateway and Hive Gateway against the floor`);
    for (let i = 0; i < compared; i += 1) {
      const body = bodies[i] as string;
      const expected = JSON.parse((await post(floor.url, body, auth.headers)).text) as unknown;
      const got = JSON.parse((await post(ours.gateway.url, body, auth.headers)).text) as unknown;
      if (isDeepStrictEqual(got, expected)) results.answers.gatewayEqualsFloor += 1;
      else results.answers.firstDifference ??= `gateway ${firstDifference(got, expected)}`;
      if (hive) {
        const theirs = JSON.parse((await post(hive.url, body, auth.headers)).text) as unknown;
        if (isDeepStrictEqual(theirs, expected)) results.answers.hiveEqualsFloor += 1;
        else results.answers.firstDifference ??= `hive ${firstDifference(theirs, expected)}`;
      }
      results.answers.compared += 1;
    }
    log(`answers: gateway = floor in ${results.answers.gatewayEqualsFloor}/${compared}, hive = floor in ${results.answers.hiveEqualsFloor}/${compared}`);

    // Hive Gateway must answer what the floor answers, or its figures mean nothing. --peer-supergraph <rev>
    // compares both gateways on a committed supergraph instead of the working tree's (our gateway then
    // is gateway/src/main.ts as shipped, serving that supergraph through SUPERGRAPH_FILE).
    let peer: { ours: Service; hive: Service; rev: string } | undefined;
    if (hive && (options.peerSupergraph || results.answers.hiveEqualsFloor < compared)) {
      await hive.stop();
      underLoad.splice(underLoad.indexOf(hive), 1);
      hive = undefined;
    }
    if (options.peerSupergraph) {
      const committed = supergraphAt(options.peerSupergraph);
      const env = { ...gatewayEnv(ours.subgraphUrls), SUPERGRAPH_FILE: committed.file };
      const peerHive = await startService({ name: 'hive', entry: 'bench/hive.ts', env, ready: /hive gateway ready at (\S+)/ });
      const peerOurs = await startService({ name: 'gateway (peer supergraph)', entry: 'gateway/src/main.ts', env, ready: /gateway ready at (\S+)/ });
      const check = { rev: committed.rev, compared: 100, hiveEqualsFloor: 0, oursEqualsFloor: 0 };
      for (let i = 0; i < check.compared; i += 1) {
        const body = bodies[i] as string;
        const expected = JSON.parse((await post(floor.url, body, auth.headers)).text) as unknown;
        if (isDeepStrictEqual(JSON.parse((await post(peerHive.url, body, auth.headers)).text), expected)) check.hiveEqualsFloor += 1;
        if (isDeepStrictEqual(JSON.parse((await post(peerOurs.url, body, auth.headers)).text), expected)) check.oursEqualsFloor += 1;
      }
      results.answers.peer = check;
      log(`supergraph at ${committed.rev}: Hive = floor in ${check.hiveEqualsFloor}/100, ours = floor in ${check.oursEqualsFloor}/100`);
      if (check.hiveEqualsFloor === check.compared && check.oursEqualsFloor === check.compared) {
        peer = { ours: peerOurs, hive: peerHive, rev: committed.rev };
        underLoad.push(peerHive);
      } else {
        await peerHive.stop();
        await peerOurs.stop();
      }
    }
    if (!hive && !peer && !results.trace?.hiveError) {
      results.trace = {
        hiveError:
          `its answers differ from the floor's (${results.answers.hiveEqualsFloor}/${compared} equal on the working tree's supergraph` +
          (results.answers.peer ? `, ${results.answers.peer.hiveEqualsFloor}/100 on ${results.answers.peer.rev}'s` : '') +
          '), so its figures would not be comparable; --peer-supergraph <rev> compares on a committed supergraph',
      } as Results['trace'];
    }

    const targets: Array<[string, Service | undefined]> = [
      ['gateway', ours.gateway],
      ['hive', hive ?? peer?.hive],
      ['floor', floor],
      ['gatewayOnPeerSupergraph', peer?.ours],
    ];
    const measured: Record<string, TargetResults> = {};
    await sampling(underLoad, async () => {
      for (const [name, service] of targets) {
        if (!service) continue;
        const c1 = await sequential(service.url, bodies, { requests: options.requests, warmup: 30, headers: auth.headers });
        log(`${name} c=1: p50 ${c1.p50} ms, p95 ${c1.p95} ms, p99 ${c1.p99} ms`);
        measured[name] = { c1, loads: [] };
      }
      for (const connections of [16, 64]) {
        for (const [name, service] of targets) {
          if (!service) continue;
          const result = await load(service.url, bodies, connections, options.seconds, auth.headers);
          log(`${name} c=${connections}: ${result.throughput} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ${result.non2xx + result.errors} failed`);
          (measured[name] as TargetResults).loads.push(result);
        }
      }
    });
    results.trace = {
      gateway: measured.gateway as TargetResults,
      floor: measured.floor as TargetResults,
      ...(measured.hive ? { hive: measured.hive } : {}),
      ...(measured.gatewayOnPeerSupergraph ? { gatewayOnPeerSupergraph: measured.gatewayOnPeerSupergraph, peerSupergraph: peer?.rev } : {}),
      ...(results.trace?.hiveError ? { hiveError: results.trace.hiveError } : {}),
    };
    for (const s of underLoad) {
      results.memory[s.name] = { peakRssUnderLoadMB: Math.round(s.peakRssUnderLoad / 1e6), highWaterMarkMB: Math.round(memoryOf(s.pid).peak / 1e6) };
    }

    // ---- Where a trace's time goes ------------------------------------------------------------------------
    const proxies = await startRecordingProxies(ours.subgraphUrls);
    const recorded = await startService({ name: 'recorded-gateway', entry: 'gateway/src/main.ts', env: gatewayEnv(proxies.urls), ready: /gateway ready at (\S+)/ });
    try {
      const traces = 100;
      for (let i = 0; i < 20; i += 1) await post(recorded.url, bodies[i] as string, auth.headers);
      const perTrace: Array<ReturnType<typeof roundsOf>> = [];
      const clientMs: number[] = [];
      let representationBytes = 0;
      for (let i = 0; i < traces; i += 1) {
        proxies.exchanges.length = 0;
        const started = performance.now();
        await post(recorded.url, bodies[i] as string, auth.headers);
        clientMs.push(performance.now() - started);
        perTrace.push(roundsOf(proxies.exchanges));
        representationBytes += proxies.exchanges.filter((e) => e.subgraph === 'manufacturer' && e.representations > 0).reduce((s, e) => s + e.requestBytes, 0);
      }
      // SQL statements per trace and node: every statement a subgraph runs commits on its own.
      const commits = async () =>
        Object.fromEntries(
          await Promise.all(
            NODE_NAMES.map(async (node) => [
              node,
              await withClient(main.urls[node], async (c) => Number((await c.query<{ n: string }>('SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()')).rows[0]?.n ?? 0)),
            ]),
          ),
        ) as Record<NodeName, number>;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const before = await commits();
      for (let i = 0; i < traces; i += 1) await post(recorded.url, bodies[i] as string, auth.headers);
      // PostgreSQL publishes a backend's counters at most once a second.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const after = await commits();
      // Our own counting queries commit once each per database.
      const statementsPerTrace = Object.fromEntries(NODE_NAMES.map((node) => [node, Math.round(((after[node] - before[node] - 1) / traces) * 10) / 10])) as Record<NodeName, number>;
      const roundCount = Math.max(...perTrace.map((r) => r.length));
      const rounds = Array.from({ length: roundCount }, (_, i) => {
        const these = perTrace.map((r) => r[i]).filter((r) => r !== undefined);
        return {
          subgraphs: these[0]?.subgraphs ?? [],
          ms: these.reduce((s, r) => s + r.ms, 0) / these.length,
          requestBytes: these.reduce((s, r) => s + r.requestBytes, 0) / these.length,
          responseBytes: these.reduce((s, r) => s + r.responseBytes, 0) / these.length,
        };
      });
      results.fetches = { traces, rounds, manufacturerRepresentationBytes: Math.round(representationBytes / traces), clientMs: percentiles(clientMs).mean, statementsPerTrace };
      log(`fetch rounds per trace: ${rounds.map((r) => `${r.subgraphs.join('+')} ${r.ms.toFixed(1)} ms`).join(' -> ')}; representation sent to manufacturer ${fmt(representationBytes / traces)} bytes; SQL statements per trace ${JSON.stringify(statementsPerTrace)}`);
    } finally {
      await recorded.stop();
      await proxies.close();
    }

    // ---- Recall -----------------------------------------------------------------------------------------
    const recallLotPlan = network.lots[0];
    if (recallLotPlan) {
      const runs: RecallResult[] = [];
      for (const mode of ['parallel', 'one node at a time'] as const) {
        for (let i = 0; i < 3; i += 1) {
          const run = await recallLot(main.urls, recallLotPlan.product.gtin, recallLotPlan.lot, mode);
          runs.push(run);
          log(`recall of ${fmt(run.units)} units (${mode}): ${run.seconds.toFixed(2)} s${run.deployedSeconds ? `, one machine per node ${run.deployedSeconds.toFixed(2)} s` : ''}`);
        }
      }
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
      // The same recall through our gateway, as a client asks it (Lot.whereabouts: the manufacturer's
      // serial list, every node's position table through @requires, the merge): one warm-up, then 7 (with
      // 3, one slow request, as after the load runs, moved the median by a fifth).
      const body = JSON.stringify({ query: WHEREABOUTS, variables: { gtin: recallLotPlan.product.gtin, lot: recallLotPlan.lot } });
      const gatewaySeconds: number[] = [];
      for (let i = 0; i < 8; i += 1) {
        const started = performance.now();
        const res = await post(ours.gateway.url, body, { ...auth.headers, 'content-type': 'application/json' });
        const seconds = (performance.now() - started) / 1000;
        const parsed = JSON.parse(res.text) as { data?: { lot?: { whereabouts?: { unitCount?: number } } }; errors?: unknown };
        if (res.status !== 200 || parsed.errors || !parsed.data?.lot?.whereabouts) {
          throw new Error(`recall through the gateway failed (${res.status}): ${res.text.slice(0, 300)}`);
        }
        log(`recall through the gateway ${i === 0 ? '(warm-up)' : i}: ${seconds.toFixed(2)} s, ${fmt(res.text.length)} bytes`);
        if (i > 0) gatewaySeconds.push(seconds);
      }
      results.recall = {
        runs,
        medianSeconds: median(runs.filter((r) => r.mode === 'parallel').map((r) => r.seconds)),
        medianDeployedSeconds: median(runs.flatMap((r) => (r.deployedSeconds === undefined ? [] : [r.deployedSeconds]))),
        gatewaySeconds,
        medianGatewaySeconds: median(gatewaySeconds),
      };
    }

    // ---- Scale: the same trace on a small network, measured alternately with the large one ----------
    log(`scale: loading a ${fmt(options.scaleUnits)}-unit network`);
    const smallNetwork = buildNetwork({ units: options.scaleUnits });
    const small = await loadNetwork(smallNetwork, registry, `${prefix}_small`, false);
    const smallServices = await startNetworkServices(small.urls, 'small-');
    // The large network gets new processes too: the ones measured so far have served the load runs, Hive's
    // comparison and a 100,000-unit recall, and measured against new processes on the small network they
    // made the scale ratio 1.42 at 1,000,000 units where two new stacks side by side gave 1.12
    // (bench/results/trace-ab-scale-1m-vs-10k-1000000u.json). Scale asks about the data's size, not the
    // processes' past: both stacks start fresh and are warmed alike.
    const largeServices = await startNetworkServices(main.urls, 'scale-');
    try {
      const smallBodies = traceBodies(smallNetwork, 1000);
      await sequential(largeServices.gateway.url, bodies, { requests: 300, warmup: 0, headers: auth.headers });
      await sequential(smallServices.gateway.url, smallBodies, { requests: 300, warmup: 0, headers: auth.headers });
      // Alternating blocks of 50, so that drift in the machine's load hits both sizes alike.
      const largeSamples: number[] = [];
      const smallSamples: number[] = [];
      const block = 50;
      for (let b = 0; b < Math.ceil(options.requests / block); b += 1) {
        const pick = (list: string[]) => list.slice(b * block, (b + 1) * block);
        await sequential(largeServices.gateway.url, pick(bodies), { requests: block, warmup: b === 0 ? 30 : 0, samples: largeSamples, headers: auth.headers });
        await sequential(smallServices.gateway.url, pick(smallBodies), { requests: block, warmup: b === 0 ? 30 : 0, samples: smallSamples, headers: auth.headers });
      }
      const largeP = percentiles(largeSamples);
      const smallP = percentiles(smallSamples);
      results.scale = {
        smallUnits: options.scaleUnits,
        largeUnits: options.units,
        small: smallP,
        large: largeP,
        ratioP50: Math.round((largeP.p50 / smallP.p50) * 100) / 100,
      };
      log(`scale: p50 ${smallP.p50} ms at ${fmt(options.scaleUnits)} units, ${largeP.p50} ms at ${fmt(options.units)} units (ratio ${results.scale.ratioP50})`);
    } finally {
      await Promise.all([smallServices, largeServices].flatMap((set) => [set.gateway, ...set.subgraphs]).map((s) => s.stop()));
    }
    await stopAllServices();

    // ---- Capture ----------------------------------------------------------------------------------------
    if (!options.skipCapture) {
      const capture: { pglite?: CaptureResult; postgres?: CaptureResult; error?: string } = {};
      try {
        for (const driver of ['pglite', 'postgres'] as const) {
          log(`capture through ingestDocument on ${driver}`);
          capture[driver] = await measureCapture(driver, MIGRATIONS, { units: 20_000, budgetSeconds: 15, registry, prefix });
          log(`capture on ${driver}: ${fmt(capture[driver]?.eventsPerSecond ?? 0)} events/s`);
        }
      } catch (error) {
        capture.error = (error as Error).message.slice(0, 500);
        log(`capture failed: ${capture.error}`);
      }
      results.capture = capture;
    }

    // ---- Start-up ---------------------------------------------------------------------------------------
    if (!options.skipStartup) {
      try {
        log('timing npm start (cold, then warm)');
        results.startup = await measureStartup();
        log(`npm start: cold ${results.startup.cold.wallSeconds} s, warm ${results.startup.warm.wallSeconds} s (${results.startup.method})`);
      } catch (error) {
        results.startup = { error: (error as Error).message.slice(0, 500) };
        log(`npm start failed: ${results.startup.error}`);
      }
    }

    results.machine.loadAverageAtEnd = os.loadavg();
    writeResults(results, options);
  } finally {
    await cleanup();
  }
}

function writeResults(results: Results, options: Options): void {
  mkdirSync(RESULTS, { recursive: true });
  const stamp = results.date.slice(0, 16).replace(/[:T]/g, '-');
  const base = new URL(`run-${stamp}-${options.units}u`, RESULTS);
  writeFileSync(`${base.pathname}.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${base.pathname}.md`, renderMarkdown(results));
  log(`results: ${base.pathname}.md and .json`);
  console.log(`\n${resultsTable(results)}\n`);
  if (options.readme) updateReadme(results, `bench/results/run-${stamp}-${options.units}u.md`);
}

/** Replaces the table between the README's bench markers with this run's. */
function updateReadme(results: Results, file: string): void {
  const path = `${ROOT}README.md`;
  const readme = readFileSync(path, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i < 0 || j < i) {
    log('README has no bench markers; not updated');
    return;
  }
  const body =
    `${start}\nLatest run: ${results.date.slice(0, 10)}, ${fmt(results.options.units)} units, ${results.machine.cores} cores ` +
    `(${results.machine.cpu}), Node ${results.machine.node}, PostgreSQL ${results.machine.postgres.replace('PostgreSQL ', '')}; details in [${file}](${file}).\n\n` +
    `${resultsTable(results)}\n`;
  writeFileSync(path, readme.slice(0, i) + body + readme.slice(j));
  log('README benchmark table updated');
}

/** --experiments: every proposed change before and after, on this run's data. */
async function experimentsRun(
  options: Options,
  network: SyntheticNetwork,
  urls: Record<NodeName, string>,
  floorUrl: string,
  registry: DatabaseRegistry,
  prefix: string,
  auth: BenchAuth,
): Promise<void> {
  const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
  const bodies = traceBodies(network, 1000);
  const loadAverageAtStart = os.loadavg();
  const configs = await measureConfigs(urls, floorUrl, bodies, { requests: options.requests, seconds: options.seconds, log, headers: auth.headers });
  log('experiment: identifier rows of one 1,000-event document, drizzle multi-row INSERT vs one INSERT ... SELECT FROM unnest');
  const insert = await measureIngestInsert(registry, prefix);
  log(`experiment: ${fmt(insert.rows)} rows: drizzle ${insert.drizzleMs} ms, unnest ${insert.unnestMs} ms`);
  const sample = sampleUnits(network, 1)[0] as number;
  const unit = unitAt(network, sample);
  const jit = await measureJit(urls.dispenser, 'dispenser', unitKey(unit.gtin, unit.serial), options.units);
  log(`experiment: JIT on eventsFor: on ${JSON.stringify(jit.jitOn)}, off ${JSON.stringify(jit.jitOff)}`);
  const positions = await measurePositionTable(urls, network, LATEST_SQL, UNITS_SQL);
  log(`experiment: recall from a per-unit position table: ${positions.recallSeconds.toFixed(2)} s`);
  const base = configs[0];
  const lines = [`# Make it fast: measured changes (${stamp}, ${fmt(options.units)} units)`, ''];
  lines.push(
    `Every change runs against the same data and is checked against the floor's answers. Load average at start ` +
      `${loadAverageAtStart.map((v) => v.toFixed(2)).join(' ')}, at end ${os.loadavg().map((v) => v.toFixed(2)).join(' ')} (other sessions share this 2-core machine, so differences under ~10% are noise).`,
    '',
    '## Trace path',
    '',
    '| configuration | change | answers = floor | c=1 p50 | c=1 p95 | c=16 req/s | c=16 p50 | SQL statements per trace (m/d/s) | vs shipped (c=16 req/s) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const c of configs) {
    const st = c.statementsPerTrace;
    lines.push(
      `| ${c.name} | ${c.change} | ${c.answersEqualFloor}/${c.compared} | ${c.c1.p50} ms | ${c.c1.p95} ms | ${c.c16.throughput} | ${c.c16.latency.p50} ms | ` +
        `${st.manufacturer}/${st.distributor}/${st.dispenser} | ${base ? `${((c.c16.throughput / base.c16.throughput - 1) * 100).toFixed(0)}%` : ''} |`,
    );
  }
  lines.push(
    '',
    '## Capture insert path',
    '',
    `${fmt(insert.rows)} identifier rows (one 1,000-event manufacturer document): drizzle multi-row INSERT in batches of 5,000, as ingest does: ${fmt(insert.drizzleMs)} ms; ` +
      `one INSERT ... SELECT FROM unnest(column arrays): ${fmt(insert.unnestMs)} ms.`,
    '',
    '## PostgreSQL JIT on the trace query',
    '',
    `eventsFor for one unit on the dispenser node (${fmt(options.units)} units): JIT on: planning ${jit.jitOn.planningMs.toFixed(2)} ms, execution ${jit.jitOn.executionMs.toFixed(2)} ms ` +
      `(JIT ${jit.jitOn.jitMs.toFixed(2)} ms); JIT off: planning ${jit.jitOff.planningMs.toFixed(2)} ms, execution ${jit.jitOff.executionMs.toFixed(2)} ms.`,
    '',
    '## Recall from a per-unit position table',
    '',
    `Recall of ${fmt(positions.units)} units from a table holding each unit's latest event per node (indexed by unit key): ` +
      `${positions.recallSeconds.toFixed(2)} s with one machine per node (serial list ${positions.perNodeSeconds.serials?.toFixed(2)} s, ` +
      `${NODE_NAMES.map((n) => `${n} ${positions.perNodeSeconds[n]?.toFixed(2)} s`).join(', ')}). Building the tables from history took ` +
      `${NODE_NAMES.map((n) => `${n} ${positions.buildSeconds[n]?.toFixed(1)} s`).join(', ')}; capture would keep them current instead.`,
  );
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(`${fileURLToPath(RESULTS)}experiments-${stamp}-${options.units}u.md`, `${lines.join('\n')}\n`);
  writeFileSync(`${fileURLToPath(RESULTS)}experiments-${stamp}-${options.units}u.json`, `${JSON.stringify({ loadAverageAtStart, loadAverageAtEnd: os.loadavg(), configs, insert, jit, positions }, null, 2)}\n`);
  log(`experiments: bench/results/experiments-${stamp}-${options.units}u.md`);
}

/** --profile: the trace path under load with --cpu-prof on our gateway and every subgraph. */
async function profileRun(options: Options, network: SyntheticNetwork, urls: Record<NodeName, string>, auth: BenchAuth): Promise<void> {
  const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
  const dir = fileURLToPath(new URL(`profiles/${stamp}/`, RESULTS));
  mkdirSync(dir, { recursive: true });
  const services = await startNetworkServices(urls, '', ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=500']);
  const bodies = traceBodies(network, 1000);
  await sequential(services.gateway.url, bodies, { requests: 50, warmup: 10, headers: auth.headers });
  const c1 = await sequential(services.gateway.url, bodies, { requests: options.requests, warmup: 0, headers: auth.headers });
  const c16 = await load(services.gateway.url, bodies, 16, options.seconds * 2, auth.headers);
  log(`profiled: c=1 p50 ${c1.p50} ms; c=16 ${c16.throughput} req/s (profiling slows both)`);
  const pids = new Map([services.gateway, ...services.subgraphs].map((s) => [s.pid, s.name]));
  await stopAllServices();
  const summaries: Array<ProfileSummary & { service: string }> = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    // Node names profiles CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the main
    // thread, the others are tsx's module loader thread (start-up only).
    const [, pid, thread] = /^CPU\.\d+\.\d+\.(\d+)\.(\d+)\./.exec(file) ?? [];
    if (thread !== '0') continue;
    summaries.push({ service: pids.get(Number(pid)) ?? file, ...summariseProfile(`${dir}${file}`) });
  }
  const lines = [`# CPU profile of the trace path (${stamp}, ${fmt(options.units)} units)`, ''];
  lines.push(
    `Load: ${options.requests} traces at concurrency 1 (p50 ${c1.p50} ms), then ${options.seconds * 2} s at concurrency 16 ` +
      `(${c16.throughput} req/s, ${fmt(c16.requests)} traces), with --cpu-prof (500 µs sampling) on every process's main thread; ` +
      'profiling slows every process. Time is attributed to the innermost frame that belongs to a known layer; ' +
      'shares are of the time spent serving (module loading at start-up excluded).',
  );
  const traced = options.requests + c16.requests + 60;
  lines.push('', '| process | serving CPU ms | per trace ms |', '| --- | --- | --- |');
  for (const s of summaries.sort((a, b) => b.servingMs - a.servingMs)) lines.push(`| ${s.service} | ${fmt(s.servingMs)} | ${(s.servingMs / traced).toFixed(1)} |`);
  for (const s of summaries) {
    lines.push('', `## ${s.service}: ${fmt(s.servingMs)} ms serving (${fmt(s.busyMs)} ms busy of ${fmt(s.totalMs)} ms)`, '', '| layer | ms | share |', '| --- | --- | --- |');
    for (const p of s.byLayer.filter((l) => l.ms >= 20)) lines.push(`| ${p.name} | ${fmt(p.ms)} | ${p.name.startsWith('module loading') ? 'start-up' : `${p.share}%`} |`);
    lines.push('', '| function (self time) | where | ms | share |', '| --- | --- | --- | --- |');
    for (const f of s.byFunction.slice(0, 15)) lines.push(`| ${f.name} | ${f.where} | ${fmt(f.ms)} | ${f.share}% |`);
  }
  writeFileSync(`${fileURLToPath(RESULTS)}profile-${stamp}-${options.units}u.md`, `${lines.join('\n')}\n`);
  writeFileSync(`${fileURLToPath(RESULTS)}profile-${stamp}-${options.units}u.json`, `${JSON.stringify({ c1, c16, summaries }, null, 2)}\n`);
  log(`profile summary: bench/results/profile-${stamp}-${options.units}u.md (raw profiles in ${dir}, not committed)`);
}

main().catch((error: unknown) => {
  console.error(`[bench] failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
});
