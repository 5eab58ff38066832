/**
 * Recall through the graph: "where is every unit of this lot now" for the network's largest lot, on
 * PostgreSQL, as `Lot.whereabouts` answers it (manufacturer serial list, every node's position table
 * through @requires, the manufacturer's merge), measured through our gateway and per node.
 *
 *   node --max-old-space-size=8192 --import tsx bench/recall-graph.ts [--units 100000] [--runs 5] [--label before]
 *        [--gateway-only] [--breakdown [--cpu-prof-dir DIR]] [--against DIR] [--explain] [--keep-databases]
 *        [--this-env NAME=VALUE ...]
 *
 * `--gateway-only` skips the per-node and bench/recall.ts parts and the history stack (for iterating on the
 * graph's recall); `--breakdown` puts recording proxies (bench/proxy.ts) between our gateway and its nodes
 * and prints every fetch of each request: when it started after the request, how long it took, its sizes.
 * `--explain` has PostgreSQL log the plan and timings of every node statement over 300 ms (auto_explain).
 * `--this-env NAME=VALUE` (repeatable) sets a variable for this version's gateway and nodes only (with
 * `--against` the current build of this version, to compare a setting).
 * `--keep-databases` leaves the loaded databases in place (their URLs are printed), for trying statements
 * on them by hand; drop them afterwards.
 * `--against DIR` starts a second stack from another version's compiled tree (scripts/build.ts output of
 * that version, with the repository's node_modules reachable from it) on the same databases, and
 * alternates requests between the two (with --gateway-only, in place of the history stack); the run
 * stops if the two answer differently (eventIDs compared as sets: versions may list units in another
 * order).
 *
 * Per node, the kit's own statements run on the node's database from this process, one node at a time
 * (as with one machine per node): the whole-history query (`latestEventsOfLots`) and, where the kit has
 * it, the position-table query (`positionsOfLots`). The data is bulk-loaded (COPY, bench/load.ts), which
 * bypasses capture: the position table is filled from history on first use, timed here separately
 * (`backfillSeconds`), before any recall is timed. Writes bench/results/recall-graph-<label>-<units>u.json
 * with the timings and the gateway's answer (counts per group), so that two runs' answers can be compared.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import * as manufacturer from '@tracefed/manufacturer';
import * as distributor from '@tracefed/distributor';
import * as dispenser from '@tracefed/dispenser';
import { openDatabase, queryRows, sql } from '@tracefed/kit/db/connection';
import * as whereabouts from '@tracefed/kit/epcis/whereabouts';
import * as positionsStore from '@tracefed/kit/epcis/positions-store';
import { prepareBenchAuth } from './auth.ts';
import { createNodeDatabase, DatabaseRegistry, explainSlowStatements } from './databases.ts';
import { loadNode } from './load.ts';
import { post } from './measure.ts';
import { WHEREABOUTS } from './queries.ts';
import type { RecordingProxy } from './proxy.ts';
import { startStack, thisEnvOptions } from './stack.ts';
import { recallLot } from './recall.ts';
import { buildNetwork, NODE_NAMES, type NodeName } from './network.ts';
import { buildServices, configureServices, stopAllServices } from './services.ts';

const MIGRATIONS: Record<NodeName, string> = {
  manufacturer: manufacturer.migrationsFolder,
  distributor: distributor.migrationsFolder,
  dispenser: dispenser.migrationsFolder,
};

const log = (message: string) => console.log(`[recall ${new Date().toISOString().slice(11, 19)}] ${message}`);

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : fallback;
}

const QUERY = WHEREABOUTS;

/**
 * A digest of the answer that does not depend on the order of a group's eventIDs (the order in which a
 * group's units are listed), so that two versions that list a lot's units in different orders compare.
 */
function canonicalDigest(answer: string): string {
  const sortIds = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sortIds);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, k === 'eventIDs' && Array.isArray(v) ? [...(v as string[])].sort() : sortIds(v)]),
      );
    }
    return value;
  };
  return createHash('sha256').update(JSON.stringify(sortIds(JSON.parse(answer)))).digest('hex');
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const round = (v: number) => Math.round(v * 1000) / 1000;

async function main(): Promise<void> {
  const units = Number(option('--units', '100000'));
  const runs = Number(option('--runs', '5'));
  const label = option('--label', 'run');
  const gatewayOnly = process.argv.includes('--gateway-only');
  const breakdown = process.argv.includes('--breakdown');
  /** With --breakdown: a folder for CPU profiles of the gateway and the nodes (bench/profile.ts reads them). */
  const profileDir = option('--cpu-prof-dir', '');
  const against = option('--against', '');
  const thisEnv = thisEnvOptions(process.argv);
  const adminUrl = process.env.TRACEFED_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const registry = new DatabaseRegistry(adminUrl);
  const prefix = `tracefed_recall_${Date.now().toString(36)}`;
  const auth = await prepareBenchAuth();
  configureServices({ env: auth.env, unset: auth.unset, compiled: buildServices() });
  const keep = process.argv.includes('--keep-databases');
  const cleanup = async () => {
    await stopAllServices();
    auth.dispose();
    if (!keep) await registry.dropAll();
  };
  process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
  const proxies: RecordingProxy[] = [];
  try {
    const network = buildNetwork({ units });
    const lot = network.lots[0];
    if (!lot) throw new Error('the network has no lot');
    const urls = {} as Record<NodeName, string>;
    for (const node of NODE_NAMES) {
      urls[node] = await createNodeDatabase(registry, `${prefix}_${node}`, MIGRATIONS[node]);
      const s = await loadNode(network.nodes[node], [{ url: urls[node], schema: 'public' }]);
      log(`loaded ${node}: ${s.events} events${keep ? ` into ${urls[node]} (kept)` : ''}`);
    }
    const result: Record<string, unknown> = { label, date: new Date().toISOString(), units, lot: { gtin: lot.product.gtin, lot: lot.lot } };

    if (process.argv.includes('--explain')) {
      // Plans of the nodes' slow statements (over 300 ms) with their timings, in the PostgreSQL server's log.
      for (const node of NODE_NAMES) await explainSlowStatements(adminUrl, urls[node], 300);
    }
    if (gatewayOnly) {
      // The bulk load bypasses capture: fill the position tables from history first, untimed.
      const dbs = await Promise.all(NODE_NAMES.map((node) => openDatabase({ url: urls[node], migrationsFolder: MIGRATIONS[node], maxConnections: 1 })));
      try {
        await Promise.all(dbs.map((d) => positionsStore.ensureUnitPositions(d.db)));
      } finally {
        await Promise.all(dbs.map((d) => d.close()));
      }
    }
    // ---- Per node, the kit's statements, one node at a time. ----
    if (!gatewayOnly) {
    const perNode: Record<string, Record<string, number | number[]>> = {};
    const dbs = await Promise.all(NODE_NAMES.map((node) => openDatabase({ url: urls[node], migrationsFolder: MIGRATIONS[node], maxConnections: 2 })));
    try {
      const manufacturerDb = dbs[0]!.db;
      const serials = (
        await queryRows<{ serial: string }>(
          manufacturerDb,
          sql`SELECT DISTINCT x.serial FROM event_epc x JOIN epcis_event e ON e.id = x.event_pk AND e.biz_step = 'commissioning'
              WHERE x.gtin = ${lot.product.gtin} AND x.lot = ${lot.lot} AND x.serial IS NOT NULL`,
        )
      ).map((r) => r.serial);
      log(`lot ${lot.lot}: ${serials.length} units`);
      result.lotUnits = serials.length;
      const request = [{ gtin: lot.product.gtin, serials }];
      for (let i = 0; i < NODE_NAMES.length; i += 1) {
        const node = NODE_NAMES[i] as NodeName;
        const repo = whereabouts.createWhereaboutsRepository(dbs[i]!.db) as Record<string, unknown> & ReturnType<typeof whereabouts.createWhereaboutsRepository>;
        const timings: Record<string, number | number[]> = {};
        const history: number[] = [];
        for (let r = 0; r < 3; r += 1) {
          const t = performance.now();
          await repo.latestEventsOfLots(request);
          history.push((performance.now() - t) / 1000);
        }
        timings.historySeconds = history.map(round);
        const fill = (positionsStore as Record<string, unknown>).ensureUnitPositions as undefined | ((db: unknown) => Promise<unknown>);
        const fromTable = repo.positionsOfLots as undefined | ((lots: typeof request) => Promise<unknown>);
        if (fill && fromTable) {
          const t = performance.now();
          await fill(dbs[i]!.db);
          timings.backfillSeconds = round((performance.now() - t) / 1000);
          const table: number[] = [];
          for (let r = 0; r < 5; r += 1) {
            const t2 = performance.now();
            await fromTable.call(repo, request);
            table.push((performance.now() - t2) / 1000);
          }
          timings.positionTableSeconds = table.map(round);
        }
        perNode[node] = timings;
        log(`${node}: ${JSON.stringify(timings)}`);
      }
    } finally {
      await Promise.all(dbs.map((d) => d.close()));
    }
    result.perNode = perNode;

    // ---- bench/recall.ts (what `npm run bench` reports), one node at a time, both sources alternating. ----
    const sqlRecall: Record<string, number[]> = { history: [], 'position table': [] };
    for (let r = 0; r < 3; r += 1) {
      for (const source of ['history', 'position table'] as const) {
        const run = await recallLot(urls, lot.product.gtin, lot.lot, 'one node at a time', source);
        sqlRecall[source]!.push(round(run.deployedSeconds ?? run.seconds));
        log(`bench/recall.ts from the ${source}: one machine per node ${run.deployedSeconds?.toFixed(3)} s ${JSON.stringify(run.perNodeSeconds)}`);
      }
    }
    result.sqlRecallDeployedSeconds = sqlRecall;
    }

    // ---- Through the gateway: nodes reading the position table, and nodes walking the history
    // (TRACEFED_RECALL_FROM=history), on the same databases, requests alternating between the two. ----
    const startStackOf = async (label: string, env: Record<string, string>, record = false, compiled?: string, gatewayEnv: Record<string, string> = {}) => {
      const { gateway, proxy } = await startStack({
        label,
        urls,
        nodeEnv: env,
        gatewayEnv,
        record,
        ...(compiled ? { compiled } : {}),
        flags: () => (profileDir && record ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      });
      if (proxy) proxies.push(proxy);
      return gateway;
    };
    const stacks = {
      table: await startStackOf('table-', thisEnv, breakdown, undefined, thisEnv),
      history: against
        ? await startStackOf('against-', {}, false, against)
        : gatewayOnly
          ? undefined
          : await startStackOf('history-', { TRACEFED_RECALL_FROM: 'history' }),
    };
    const other = against ? `version in ${against}` : 'history';
    const body = JSON.stringify({ query: QUERY, variables: { gtin: lot.product.gtin, lot: lot.lot } });
    const times: Record<keyof typeof stacks, number[]> = { table: [], history: [] };
    const answers: Record<string, string> = {};
    const fetches: Array<Array<{ subgraph: string; startMs: number; ms: number; requestBytes: number; responseBytes: number }>> = [];
    for (let r = 0; r < runs + 1; r += 1) {
      for (const which of stacks.history ? (['table', 'history'] as const) : (['table'] as const)) {
        const stack = stacks[which];
        if (!stack) continue;
        for (const p of proxies) p.exchanges.length = 0;
        const t = performance.now();
        const res = await post(stack.url, body, { ...auth.headers, 'content-type': 'application/json' });
        const seconds = (performance.now() - t) / 1000;
        if (which === 'table' && proxies.length > 0) {
          const seen = proxies
            .flatMap((p) => p.exchanges)
            .sort((a, b) => a.start - b.start)
            .map((e) => ({ subgraph: e.subgraph, startMs: Math.round(e.start - t), ms: Math.round(e.end - e.start), requestBytes: e.requestBytes, responseBytes: e.responseBytes }));
          if (r > 0) fetches.push(seen);
          for (const f of seen) log(`  fetch ${f.subgraph}: at +${f.startMs} ms, ${f.ms} ms, ${f.requestBytes} B sent, ${f.responseBytes} B back`);
        }
        const parsed = JSON.parse(res.text) as { data?: { lot?: { whereabouts?: unknown } }; errors?: unknown };
        if (res.status !== 200 || parsed.errors) throw new Error(`recall through the ${which} gateway failed (${res.status}): ${res.text.slice(0, 500)}`);
        answers[which] = JSON.stringify(parsed.data?.lot?.whereabouts);
        // The first request of each warms its processes.
        if (r > 0) times[which].push(seconds);
        log(`gateway recall, ${which === 'history' ? other : 'this version'} ${r === 0 ? '(warm-up)' : r}: ${seconds.toFixed(3)} s`);
      }
      if (stacks.history && canonicalDigest(answers.table as string) !== canonicalDigest(answers.history as string)) {
        throw new Error(`this version and the ${other} gave different whereabouts through the gateway`);
      }
    }
    if (fetches.length > 0) result.gatewayFetches = fetches;
    result.gatewaySeconds = { table: times.table.map(round), history: times.history.map(round) };
    result.gatewayMedianSeconds = { table: round(median(times.table)), history: round(median(times.history)) };
    result.answersEqual = true;
    // With --against, "history" in gatewaySeconds is the other version's stack.
    if (against) result.against = against;
    if (Object.keys(thisEnv).length > 0) result.thisEnv = thisEnv;
    // The full answer is megabytes: keep its digest, enough to tell whether two runs answered alike.
    result.answer = { answerSha256: createHash('sha256').update(answers.table as string).digest('hex'), canonicalSha256: canonicalDigest(answers.table as string) };
    result.loadAverage = os.loadavg();
    const file = new URL(`./results/recall-graph-${label}-${units}u.json`, import.meta.url);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${file.pathname}: gateway median ${JSON.stringify(result.gatewayMedianSeconds)}`);
  } finally {
    for (const p of proxies) await p.close();
    await cleanup();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
