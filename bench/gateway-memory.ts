/**
 * The gateway's resident memory under the trace load, for several ways to run it side by side: one
 * set of nodes (PostgreSQL, the bench generator's network, bulk-loaded), one gateway process per
 * setting, each loaded in turn with the same trace bodies at the same concurrency, rounds interleaved.
 * Reports per setting the peak RSS under load, the kernel's high-water mark, and the throughput, so a
 * setting that saves memory by starving the gateway shows it.
 *
 *   node --max-old-space-size=8192 --import tsx bench/gateway-memory.ts [--units 10000] [--seconds 10]
 *        [--connections 64] [--rounds 2]
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import * as manufacturer from '@tracefed/manufacturer';
import * as distributor from '@tracefed/distributor';
import * as dispenser from '@tracefed/dispenser';
import { prepareBenchAuth, UNTHROTTLED } from './auth.ts';
import { createNodeDatabase, DatabaseRegistry } from './databases.ts';
import { loadNode } from './load.ts';
import { load, post } from './measure.ts';
import { buildNetwork, NODE_NAMES, sampleUnits, unitAt, type NodeName } from './network.ts';
import { elementString, traceBody } from './queries.ts';
import { buildServices, configureServices, memoryOf, startService, stopAllServices, type Service } from './services.ts';

const MIGRATIONS: Record<NodeName, string> = {
  manufacturer: manufacturer.migrationsFolder,
  distributor: distributor.migrationsFolder,
  dispenser: dispenser.migrationsFolder,
};

/** The settings compared: how the gateway process runs (compiled by scripts/build.ts, or through tsx) and its node flags. */
const SETTINGS: Record<string, { tsx: boolean; flags: string[] }> = {
  'through tsx (before)': { tsx: true, flags: [] },
  compiled: { tsx: false, flags: [] },
  'compiled, semi-space 4 MB': { tsx: false, flags: ['--max-semi-space-size=4'] },
};

const log = (message: string) => console.log(`[memory ${new Date().toISOString().slice(11, 19)}] ${message}`);
const option = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};

async function main(): Promise<void> {
  const units = option('--units', 10_000);
  const seconds = option('--seconds', 10);
  const connections = option('--connections', 64);
  const rounds = option('--rounds', 2);
  const registry = new DatabaseRegistry(process.env.TRACEFED_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const prefix = `tracefed_memory_${Date.now().toString(36)}`;
  const auth = await prepareBenchAuth();
  configureServices({ env: auth.env, unset: auth.unset, compiled: buildServices() });
  try {
    const network = buildNetwork({ units });
    const urls = {} as Record<NodeName, string>;
    for (const node of NODE_NAMES) {
      urls[node] = await createNodeDatabase(registry, `${prefix}_${node}`, MIGRATIONS[node]);
      await loadNode(network.nodes[node], [{ url: urls[node], schema: 'public' }]);
    }
    const subgraphs = await Promise.all(
      NODE_NAMES.map((node) =>
        startService({ name: node, entry: `subgraphs/${node}/src/main.ts`, env: { [`${node.toUpperCase()}_DATABASE_URL`]: urls[node] }, ready: /subgraph ready at (\S+)/ }),
      ),
    );
    const env = { MANUFACTURER_URL: subgraphs[0]!.url, DISTRIBUTOR_URL: subgraphs[1]!.url, DISPENSER_URL: subgraphs[2]!.url, ...UNTHROTTLED };
    const gateways: Record<string, Service> = {};
    for (const [name, setting] of Object.entries(SETTINGS)) {
      gateways[name] = await startService({
        name: `gateway (${name})`,
        entry: 'gateway/src/main.ts',
        env,
        ready: /gateway ready at (\S+)/,
        nodeFlags: setting.flags,
        tsx: setting.tsx,
      });
    }
    const bodies = sampleUnits(network, 1000).map((u) => traceBody(elementString(unitAt(network, u))));
    const results: Record<string, { idleMB: number; peakRssMB: number[]; throughput: number[]; failed: number }> = {};
    for (const [name, g] of Object.entries(gateways)) {
      for (let i = 0; i < 30; i += 1) await post(g.url, bodies[i] as string, auth.headers);
      results[name] = { idleMB: Math.round(memoryOf(g.pid).rss / 1e6), peakRssMB: [], throughput: [], failed: 0 };
    }
    for (let round = 0; round < rounds; round += 1) {
      for (const [name, g] of Object.entries(gateways)) {
        let peak = 0;
        const timer = setInterval(() => (peak = Math.max(peak, memoryOf(g.pid).rss)), 100);
        const result = await load(g.url, bodies, connections, seconds, auth.headers);
        clearInterval(timer);
        const r = results[name]!;
        r.peakRssMB.push(Math.round(peak / 1e6));
        r.throughput.push(result.throughput);
        r.failed += result.non2xx + result.errors;
        log(`${name}: ${result.throughput} req/s, peak RSS ${Math.round(peak / 1e6)} MB, p99 ${result.latency.p99} ms, ${result.non2xx + result.errors} failed`);
      }
    }
    for (const [name, g] of Object.entries(gateways)) log(`${name}: high-water mark ${Math.round(memoryOf(g.pid).peak / 1e6)} MB`);
    const file = new URL(`./results/gateway-memory-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-')}-${units}u.json`, import.meta.url);
    writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), units, seconds, connections, rounds, loadAverage: os.loadavg(), settings: SETTINGS, results }, null, 2)}\n`);
    log(`wrote ${file.pathname}`);
  } finally {
    await stopAllServices();
    auth.dispose();
    await registry.dropAll();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
