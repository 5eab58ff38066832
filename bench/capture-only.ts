/**
 * Only the capture measurement of `npm run bench` (bench/capture.ts, the same code and the same
 * documents), on PGlite and on PostgreSQL, without building and serving the national network.
 *
 *   node --import tsx bench/capture-only.ts [--units 20000] [--budget 15] [--driver pglite|postgres|both]
 *                                           [--in-flight 2,4] [--rounds 1] [--json path]
 *
 * Each round measures one document at a time, then with 2 and 4 documents in flight (--in-flight),
 * node by node, the runs taking turns.
 *
 * TRACEFED_BENCH_DATABASE_URL names the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres).
 * The run creates its databases as tracefed_capture_<random>_capture_<node>_<in flight> and drops them at the end,
 * also on failure or interruption.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import * as manufacturer from '@tracefed/manufacturer';
import * as distributor from '@tracefed/distributor';
import * as dispenser from '@tracefed/dispenser';
import { measureCapture, type CaptureResult } from './capture.ts';
import { DatabaseRegistry } from './databases.ts';
import type { NodeName } from './network.ts';

const MIGRATIONS: Record<NodeName, string> = {
  manufacturer: manufacturer.migrationsFolder,
  distributor: distributor.migrationsFolder,
  dispenser: dispenser.migrationsFolder,
};

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? process.argv[i + 1] : undefined;
  return value ?? fallback;
}

async function main(): Promise<void> {
  const units = Number(option('units', '20000'));
  const budgetSeconds = Number(option('budget', '15'));
  const driver = option('driver', 'both');
  if (!Number.isFinite(units) || units <= 0) throw new Error(`--units must be a positive number, got ${option('units', '')}`);
  if (!['pglite', 'postgres', 'both'].includes(driver)) throw new Error(`--driver must be pglite, postgres or both, got ${driver}`);
  const inFlight = option('in-flight', '2,4').split(',').map(Number);
  if (inFlight.some((k) => !Number.isInteger(k) || k < 1)) throw new Error(`--in-flight must list whole numbers of documents, got ${option('in-flight', '')}`);
  const rounds = Number(option('rounds', '1'));
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a whole number, got ${option('rounds', '')}`);
  const drivers = driver === 'both' ? (['pglite', 'postgres'] as const) : [driver as 'pglite' | 'postgres'];
  const registry = new DatabaseRegistry(process.env.TRACEFED_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const prefix = `tracefed_capture_${randomBytes(4).toString('hex')}`;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => void registry.dropAll().then(() => process.exit(130)));
  }
  const results: Array<{ round: number; loadAverage: number[]; result: CaptureResult }> = [];
  const loadAverageAtStart = os.loadavg();
  try {
    for (let round = 1; round <= rounds; round += 1) for (const d of drivers) {
      const loadAverage = os.loadavg();
      const result = await measureCapture(d, MIGRATIONS, { units, budgetSeconds, registry, prefix, inFlight });
      results.push({ round, loadAverage, result });
      console.log(`round ${round}, load average ${loadAverage.map((v) => v.toFixed(2)).join(' ')} to ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
      for (const run of [result, ...result.concurrent, ...(result.floor ? [result.floor] : [])]) {
        const nodes = Object.entries(run.perNode)
          .map(([n, r]) => `${n} ${r.eventsPerSecond} ev/s (${r.documents} docs, ${r.events} events, ${r.seconds} s)`)
          .join('; ');
        console.log(
          `${d}, ${run === result.floor ? 'storage floor (COPY of the rows, nothing derived)' : `${run.documentsInFlight} in flight`}: ${run.eventsPerSecond} events/s over ${run.events} events in ${run.documents} documents` +
            `${run === result ? `, ${result.identifiers} identifier rows` : ''}${run.truncated ? ' (budget ended the run)' : ''}; ${nodes}`,
        );
      }
    }
  } finally {
    await registry.dropAll();
  }
  console.log(`load average at start ${loadAverageAtStart.map((v) => v.toFixed(2)).join(' ')}, at end ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  const json = option('json', '');
  if (json) writeFileSync(json, `${JSON.stringify({ units, budgetSeconds, loadAverageAtStart, loadAverageAtEnd: os.loadavg(), results }, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
