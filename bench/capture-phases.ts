/**
 * Where a capture's time goes: the documents of bench/capture.ts, with validation and normalisation
 * (`normaliseDocument`) timed apart from storing (`storeDocument` in one transaction), and the SQL
 * statements each document costs. Validation alone (`validateDocument`) is timed in a pass of its own
 * over the same document, not counted in the total: normaliseDocument validates too, so "normalise
 * only" is the difference of the two. Run with --cpu-prof to see inside either phase.
 *
 *   node --import tsx bench/capture-phases.ts [--units 20000] [--driver pglite|postgres] [--documents 30] [--keep]
 *        [--explain MS] [--nodes manufacturer,distributor,dispenser]
 *
 * `--explain MS` (PostgreSQL) has the server log the plan and timings of every capture statement over MS
 * milliseconds (auto_explain, nested statements included); the timings then include its instrumentation.
 */
import { randomBytes } from 'node:crypto';
import * as manufacturer from '@tracefed/manufacturer';
import * as distributor from '@tracefed/distributor';
import * as dispenser from '@tracefed/dispenser';
import { openDatabase } from '@tracefed/kit/db/connection';
import { storeDocument } from '@tracefed/kit/epcis/ingest';
import { normaliseDocument } from '@tracefed/kit/epcis/normalise';
import { validateDocument } from '@tracefed/kit/epcis/validate';
import { createNodeDatabase, DatabaseRegistry, explainSlowStatements } from './databases.ts';
import { captureDocuments } from './load.ts';
import { buildNetwork, NODE_NAMES, type NodeName } from './network.ts';

const MIGRATIONS: Record<NodeName, string> = {
  manufacturer: manufacturer.migrationsFolder,
  distributor: distributor.migrationsFolder,
  dispenser: dispenser.migrationsFolder,
};

/** Time spent per statement kind (its first words), over the timed documents. */
const statementTimes = new Map<string, { ms: number; n: number }>();

/** The opening words of a drizzle `sql` template, to name the statement. */
function label(query: { queryChunks?: unknown[] }): string {
  const first = query.queryChunks?.[0] as { value?: unknown[] } | undefined;
  const text = typeof first?.value?.[0] === 'string' ? first.value[0] : '(query builder)';
  return text.replace(/\s+/g, ' ').trim().slice(0, 90);
}

/** The transaction, with the time of every statement it runs through `execute` recorded by kind. */
function timing<T extends object>(tx: T): T {
  const execute = (tx as unknown as { execute: (q: unknown) => Promise<unknown> }).execute.bind(tx);
  return new Proxy(tx, {
    get(target, prop, receiver) {
      if (prop !== 'execute') return Reflect.get(target, prop, receiver);
      return async (query: { queryChunks?: unknown[] }) => {
        const started = performance.now();
        try {
          return await execute(query);
        } finally {
          const kind = label(query);
          const t = statementTimes.get(kind) ?? { ms: 0, n: 0 };
          t.ms += performance.now() - started;
          t.n += 1;
          statementTimes.set(kind, t);
        }
      };
    },
  });
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return (i >= 0 ? process.argv[i + 1] : undefined) ?? fallback;
}

async function main(): Promise<void> {
  const units = Number(option('units', '20000'));
  const driver = option('driver', 'pglite') as 'pglite' | 'postgres';
  const maxDocuments = Number(option('documents', '30'));
  const network = buildNetwork({ units, distributors: 3, dispensers: 4, maxLotSize: 20_000 });
  const adminUrl = process.env.TRACEFED_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const registry = new DatabaseRegistry(adminUrl);
  const prefix = `tracefed_capture_${randomBytes(4).toString('hex')}`;
  try {
    const explainMs = option('explain', '');
    const nodes = option('nodes', NODE_NAMES.join(',')).split(',') as NodeName[];
    for (const node of nodes) {
      if (!NODE_NAMES.includes(node)) throw new Error(`--nodes lists ${NODE_NAMES.join(', ')}; got ${node}`);
      const url = driver === 'postgres' ? await createNodeDatabase(registry, `${prefix}_${node}`, MIGRATIONS[node]) : undefined;
      if (url && explainMs) await explainSlowStatements(adminUrl, url, Number(explainMs), true);
      const database = await openDatabase({ url, migrationsFolder: MIGRATIONS[node], maxConnections: 2 });
      const docs = [...captureDocuments(network.nodes[node], 1000, 'by-tenant')].slice(0, maxDocuments + 1);
      let validateMs = 0;
      let normaliseMs = 0;
      let storeMs = 0;
      let events = 0;
      let identifiers = 0;
      let statements = 0;
      for (const [i, doc] of docs.entries()) {
        const v0 = performance.now();
        validateDocument(doc.document);
        const validated = performance.now() - v0;
        const t0 = performance.now();
        const normalised = normaliseDocument(doc.document);
        const t1 = performance.now();
        database.statements.reset();
        await database.db.transaction((tx) => storeDocument(timing(tx), doc.owner, normalised, null));
        const t2 = performance.now();
        if (i === 0) {
          statementTimes.clear(); // master data, untimed as in bench/capture.ts
          continue;
        }
        validateMs += validated;
        normaliseMs += t1 - t0;
        storeMs += t2 - t1;
        events += normalised.events.length;
        identifiers += normalised.events.reduce((n, e) => n + e.epcs.length, 0);
        statements += database.statements.count;
      }
      const timed = docs.length - 1;
      const kinds = [...statementTimes.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 8);
      for (const [kind, t] of kinds) console.log(`  ${t.ms.toFixed(0).padStart(6)} ms ${String(t.n).padStart(5)}x  ${kind}`);
      statementTimes.clear();
      const rate = (ms: number) => Math.round(events / (ms / 1000));
      console.log(
        `${driver} ${node}: ${timed} docs, ${events} events, ${identifiers} identifiers; validate+normalise ${normaliseMs.toFixed(0)} ms ` +
          `(${rate(normaliseMs)} ev/s; validate alone ${validateMs.toFixed(0)} ms, ${rate(validateMs)} ev/s; ` +
          `normalise only ≈ ${(normaliseMs - validateMs).toFixed(0)} ms), store ${storeMs.toFixed(0)} ms (${Math.round(events / (storeMs / 1000))} ev/s), ` +
          `total ${Math.round(events / ((normaliseMs + storeMs) / 1000))} ev/s; ${(statements / Math.max(1, timed)).toFixed(1)} statements per document`,
      );
      await database.close();
    }
  } finally {
    if (process.argv.includes('--keep')) console.log(`kept ${registry.names().join(', ')}`);
    else await registry.dropAll();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
