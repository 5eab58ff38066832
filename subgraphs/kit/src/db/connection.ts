import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';

/** The drizzle handle every repository works with, whichever driver sits underneath. */
export type Db = PgDatabase<PgQueryResultHKT, Record<string, unknown>>;
/** A transaction, or the database itself: repository methods accept either. */
export type Executor =
  | Db
  | PgTransaction<PgQueryResultHKT, Record<string, unknown>, ExtractTablesWithRelations<Record<string, unknown>>>;

/** Counts every SQL statement issued through drizzle; tests use it to prove batching. */
export class StatementCounter {
  count = 0;
  readonly recent: string[] = [];
  record(query: string): void {
    this.count += 1;
    this.recent.push(query);
    if (this.recent.length > 200) this.recent.shift();
  }
  reset(): void {
    this.count = 0;
    this.recent.length = 0;
  }
}

export interface Database {
  readonly db: Db;
  readonly driver: 'pglite' | 'postgres';
  readonly statements: StatementCounter;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL connection URL. When absent, an embedded PGlite database is used. */
  url?: string | undefined;
  /** PGlite data directory; omitted means in-memory (tests). */
  dataDir?: string | undefined;
  /** Absolute path of the drizzle-kit migrations folder to apply at start-up. */
  migrationsFolder: string;
  /** Pool size for PostgreSQL. */
  maxConnections?: number;
  /** Called for pool-level errors (idle client lost, server restart). */
  onError?: (error: Error) => void;
}

/**
 * Opens a subgraph's own database, embedded PGlite or PostgreSQL, and applies the committed
 * drizzle-kit migrations. Both drivers run the very same migration files.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const statements = new StatementCounter();
  const logger = { logQuery: (query: string) => statements.record(query) };
  if (options.url) {
    const pool = new pg.Pool({ connectionString: options.url, max: options.maxConnections ?? 10 });
    pool.on('error', (error) => (options.onError ?? defaultPoolError)(error));
    const db = drizzlePg({ client: pool, logger }) as unknown as Db;
    await migratePg(db as never, { migrationsFolder: options.migrationsFolder });
    statements.reset();
    return { db, driver: 'postgres', statements, close: () => pool.end() };
  }
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const client = options.dataDir ? new PGlite(options.dataDir) : new PGlite();
  await client.waitReady;
  const db = drizzlePglite({ client, logger }) as unknown as Db;
  await migratePglite(db as never, { migrationsFolder: options.migrationsFolder });
  statements.reset();
  return { db, driver: 'pglite', statements, close: () => client.close() };
}

function defaultPoolError(error: Error): void {
  // An idle client died (for example the server restarted); the pool replaces it. Say so, do not crash.
  console.error(`[db] PostgreSQL pool error: ${error.message}`);
}

/** Runs raw SQL and returns its rows, smoothing over the two drivers' result shapes. */
export async function queryRows<T>(executor: Executor, query: SQL): Promise<T[]> {
  const result = (await executor.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

export { sql };
