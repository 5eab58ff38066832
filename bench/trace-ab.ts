/**
 * A trace, this version against another, side by side: the README's trace at concurrency 1 through two
 * stacks (gateway and three nodes, compiled) on the same PostgreSQL databases, in alternating blocks, so
 * that both meet the same machine. Every answer of the two is compared (the run stops at the first
 * difference). With `--breakdown`, recording proxies (bench/proxy.ts) sit between this version's gateway
 * and its nodes, and the median of each fetch round is printed (when it started after the request, how
 * long it took, its sizes); the proxies add to this version's latency, so compare versions without it. With `--cpu-prof-dir DIR`, this version's gateway and nodes write CPU
 * profiles there (bench/profile.ts reads them).
 *
 *   node --max-old-space-size=8192 --import tsx bench/trace-ab.ts [--units 100000] [--requests 600]
 *        [--against DIR] [--breakdown] [--cpu-prof-dir DIR] [--label name] [--this-env NAME=VALUE ...]
 *
 * `--small-units M` puts this version on a second network of M units beside the first, in place of
 * `--against`: the same trace on two data sizes, both stacks fresh and alternating (each traces its own
 * network's units; answers are not compared).
 * `--load N` adds throughput at concurrency N (autocannon, 4 rounds of 5 s per version, alternating).
 * `--log-statements` has PostgreSQL log every statement of three traces through this version (with their
 * durations, in the server's log; ALTER SYSTEM for their duration, reset after).
 * `--this-env NAME=VALUE` (repeatable) sets a variable for this version's gateway and nodes only: with
 * `--against` pointing at this version's own build, it measures a setting side by side.
 * `--against DIR` is another version's compiled tree (scripts/build.ts output of that version, with the
 * repository's node_modules reachable from it). Writes bench/results/trace-ab-<label>-<units>u.json.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import * as manufacturer from '@tracefed/manufacturer';
import * as distributor from '@tracefed/distributor';
import * as dispenser from '@tracefed/dispenser';
import { prepareBenchAuth } from './auth.ts';
import { createNodeDatabase, DatabaseRegistry, withClient } from './databases.ts';
import { loadNode } from './load.ts';
import { load, percentiles, post, sequential } from './measure.ts';
import { elementString, traceBody } from './queries.ts';
import type { RecordingProxy } from './proxy.ts';
import { startStack, thisEnvOptions } from './stack.ts';
import { buildNetwork, NODE_NAMES, sampleUnits, unitAt, type NodeName } from './network.ts';
import { buildServices, configureServices, stopAllServices, type Service } from './services.ts';

const MIGRATIONS: Record<NodeName, string> = {
  manufacturer: manufacturer.migrationsFolder,
  distributor: distributor.migrationsFolder,
  dispenser: dispenser.migrationsFolder,
};

const log = (message: string) => console.log(`[trace-ab ${new Date().toISOString().slice(11, 19)}] ${message}`);

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : fallback;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function main(): Promise<void> {
  const units = Number(option('--units', '100000'));
  const requests = Number(option('--requests', '600'));
  const label = option('--label', 'run');
  const against = option('--against', '');
  const smallUnits = Number(option('--small-units', '0'));
  if (!Number.isInteger(smallUnits) || smallUnits < 0) throw new Error(`--small-units needs a whole number, got ${option('--small-units', '')}`);
  if (smallUnits > 0 && against) throw new Error('--small-units and --against each name the second stack: give one');
  const breakdown = process.argv.includes('--breakdown');
  const profileDir = option('--cpu-prof-dir', '');
  const thisEnv = thisEnvOptions(process.argv);
  if (!Number.isInteger(units) || units <= 0) throw new Error(`--units needs a positive whole number, got ${option('--units', '')}`);
  if (!Number.isInteger(requests) || requests <= 0) throw new Error(`--requests needs a positive whole number, got ${option('--requests', '')}`);
  const registry = new DatabaseRegistry(process.env.TRACEFED_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const prefix = `tracefed_traceab_${Date.now().toString(36)}`;
  const auth = await prepareBenchAuth();
  configureServices({ env: auth.env, unset: auth.unset, compiled: buildServices() });
  const proxies: RecordingProxy[] = [];
  const cleanup = async () => {
    for (const p of proxies) await p.close();
    await stopAllServices();
    auth.dispose();
    await registry.dropAll();
  };
  process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    const loadNetworkInto = async (n: number, suffix: string) => {
      const network = buildNetwork({ units: n });
      const urls = {} as Record<NodeName, string>;
      for (const node of NODE_NAMES) {
        urls[node] = await createNodeDatabase(registry, `${prefix}${suffix}_${node}`, MIGRATIONS[node]);
        const s = await loadNode(network.nodes[node], [{ url: urls[node], schema: 'public' }]);
        log(`loaded ${node} (${n} units): ${s.events} events`);
      }
      return { network, urls };
    };
    const { network, urls } = await loadNetworkInto(units, '');
    const small = smallUnits > 0 ? await loadNetworkInto(smallUnits, '_small') : undefined;
    const startStackOf = async (name: string, record: boolean, compiled?: string, extraEnv: Record<string, string> = {}, on = urls): Promise<Service> => {
      const flags = (who: string) => (profileDir && !compiled ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${who}-${process.pid}.cpuprofile`] : []);
      const { gateway, proxy } = await startStack({ label: name, urls: on, nodeEnv: extraEnv, gatewayEnv: extraEnv, flags, record, ...(compiled ? { compiled } : {}) });
      if (proxy) proxies.push(proxy);
      return gateway;
    };
    const bodiesOf = (net: typeof network) => sampleUnits(net, Math.max(requests, 200), 11).map((u) => traceBody(elementString(unitAt(net, u))));
    const bodies = bodiesOf(network);
    const stacks: Array<{ name: string; service: Service; samples: number[]; bodies: string[] }> = [
      { name: small ? `this version, ${units} units` : 'this version', service: await startStackOf('this-', breakdown, undefined, thisEnv), samples: [], bodies },
    ];
    if (against) stacks.push({ name: `version in ${against}`, service: await startStackOf('against-', false, against), samples: [], bodies });
    if (small) stacks.push({ name: `this version, ${smallUnits} units`, service: await startStackOf('small-', false, undefined, thisEnv, small.urls), samples: [], bodies: bodiesOf(small.network) });
    const headers = auth.headers;

    // Every body through every stack once: warms them, and compares their answers.
    for (const [i, body] of bodies.slice(0, 200).entries()) {
      const answers = await Promise.all(stacks.map((s) => post(s.service.url, s.bodies[i] ?? body, headers)));
      const parsed = answers.map((a) => JSON.parse(a.text) as { data?: unknown; errors?: unknown });
      if (answers.some((a) => a.status !== 200) || parsed.some((p) => p.errors)) throw new Error(`a trace failed: ${answers.map((a) => a.text.slice(0, 300)).join(' | ')}`);
      if (!small && parsed.length > 1 && !isDeepStrictEqual(parsed[0], parsed[1])) throw new Error(`the two versions answered ${body} differently`);
    }
    log(`answers: ${stacks.length > 1 && !small ? '200/200 equal between the two versions' : '200 traces answered by each stack'}`);

    // Alternating blocks of 50, the order of the two turned each round.
    const block = 50;
    for (let r = 0; r * block < requests; r += 1) {
      const from = (r * block) % bodies.length;
      const order = r % 2 === 0 ? stacks : [...stacks].reverse();
      for (const s of order) {
        const slice = s.bodies.slice(from, from + block);
        await sequential(s.service.url, slice, { requests: slice.length, warmup: 0, headers, samples: s.samples });
      }
    }
    const result: Record<string, unknown> = { label, date: new Date().toISOString(), units, smallUnits: smallUnits || null, requests, thisEnv, against: against || null, loadAverage: os.loadavg() };
    result.stacks = stacks.map((s) => ({ name: s.name, c1: percentiles(s.samples) }));
    for (const s of stacks) log(`${s.name}: ${JSON.stringify(percentiles(s.samples))}`);
    if (stacks.length > 1) {
      const ratio = percentiles(stacks[0]!.samples).p50 / percentiles(stacks[1]!.samples).p50;
      result.p50Ratio = Math.round(ratio * 1000) / 1000;
      log(`p50 ${stacks[0]!.name} / ${stacks[1]!.name}: ${ratio.toFixed(3)}`);
    }

    const connections = Number(option('--load', '0'));
    if (connections > 0) {
      const served: Record<string, { requests: number; seconds: number; failed: number; p50: number[] }> = {};
      for (let r = 0; r < 4; r += 1) {
        for (const s of r % 2 === 0 ? stacks : [...stacks].reverse()) {
          const run = await load(s.service.url, bodies, connections, 5, headers);
          const t = (served[s.name] ??= { requests: 0, seconds: 0, failed: 0, p50: [] });
          t.requests += run.requests;
          t.seconds += run.seconds;
          t.failed += run.non2xx + run.errors + run.timeouts;
          t.p50.push(run.latency.p50);
        }
      }
      result.load = Object.fromEntries(
        Object.entries(served).map(([name, t]) => [name, { connections, throughput: Math.round((t.requests / t.seconds) * 10) / 10, failed: t.failed, p50PerRound: t.p50 }]),
      );
      for (const [name, t] of Object.entries(result.load as Record<string, unknown>)) log(`${name}, c=${connections}: ${JSON.stringify(t)}`);
    }

    if (process.argv.includes('--log-statements')) {
      const admin = process.env.TRACEFED_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
      const setLogging = (on: boolean) =>
        withClient(admin, async (c) => {
          await c.query(on ? 'ALTER SYSTEM SET log_min_duration_statement = 0' : 'ALTER SYSTEM RESET log_min_duration_statement');
          await c.query('SELECT pg_reload_conf()');
        });
      await setLogging(true);
      try {
        await new Promise((resolve) => setTimeout(resolve, 300));
        for (const body of bodies.slice(0, 3)) await post(stacks[0]!.service.url, body, headers);
      } finally {
        await setLogging(false);
      }
      log('statements of three traces logged in the PostgreSQL server log');
    }

    if (breakdown && proxies[0]) {
      // Fetch rounds of 100 traces: per fetch in plan order, the median start, duration and sizes.
      const perFetch = new Map<string, { start: number[]; ms: number[]; req: number[]; res: number[] }>();
      for (const body of bodies.slice(0, 100)) {
        proxies[0].exchanges.length = 0;
        const t = performance.now();
        await post(stacks[0]!.service.url, body, headers);
        const seen = [...proxies[0].exchanges].sort((a, b) => a.start - b.start);
        seen.forEach((e, i) => {
          const key = `${i + 1}. ${e.subgraph}`;
          const f = perFetch.get(key) ?? { start: [], ms: [], req: [], res: [] };
          f.start.push(e.start - t);
          f.ms.push(e.end - e.start);
          f.req.push(e.requestBytes);
          f.res.push(e.responseBytes);
          perFetch.set(key, f);
        });
      }
      const fetches = [...perFetch.entries()].map(([fetch, f]) => ({
        fetch,
        n: f.ms.length,
        startMs: Math.round(median(f.start) * 10) / 10,
        ms: Math.round(median(f.ms) * 10) / 10,
        requestBytes: median(f.req),
        responseBytes: median(f.res),
      }));
      for (const f of fetches) log(`  fetch ${f.fetch} (${f.n}): at +${f.startMs} ms, ${f.ms} ms, ${f.requestBytes} B sent, ${f.responseBytes} B back`);
      result.fetches = fetches;
    }
    const file = new URL(`./results/trace-ab-${label}-${units}u.json`, import.meta.url);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${file.pathname}`);
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
