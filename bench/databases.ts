/**
 * The bench's own PostgreSQL databases: one per node (migrated by the node's own drizzle-kit files
 * through openDatabase, exactly as a node starts) and one "floor" database that holds all three nodes'
 * data in one schema per node. Every database the bench creates is dropped again, also on failure.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase } from '@tracefed/kit/db/connection';
import type { NodeName } from './network.ts';

export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Has the PostgreSQL server log the plan and timings (auto_explain, ANALYZE) of every statement over
 * `minMs` run in the database at `url`, from its next connection on; `nested` includes statements run
 * inside functions.
 */
export async function explainSlowStatements(adminUrl: string, url: string, minMs: number, nested = false): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await withClient(adminUrl, async (c) => {
    await c.query(`ALTER DATABASE ${name} SET session_preload_libraries = 'auto_explain'`);
    await c.query(`ALTER DATABASE ${name} SET auto_explain.log_min_duration = ${Number(minMs)}`);
    await c.query(`ALTER DATABASE ${name} SET auto_explain.log_analyze = on`);
    if (nested) await c.query(`ALTER DATABASE ${name} SET auto_explain.log_nested_statements = on`);
  });
}

/** Creates databases and remembers them, so that `dropAll` removes every one even after a failure. */
export class DatabaseRegistry {
  private readonly created: string[] = [];
  constructor(readonly adminUrl: string) {}

  async create(name: string): Promise<string> {
    await withClient(this.adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    await withClient(this.adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
    this.created.push(name);
    return databaseUrl(this.adminUrl, name);
  }

  async drop(name: string): Promise<void> {
    await withClient(this.adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    const i = this.created.indexOf(name);
    if (i >= 0) this.created.splice(i, 1);
  }

  async dropAll(): Promise<void> {
    for (const name of [...this.created].reverse()) {
      try {
        await this.drop(name);
      } catch (error) {
        console.error(`[bench] could not drop database ${name}: ${(error as Error).message}`);
      }
    }
  }

  names(): string[] {
    return [...this.created];
  }
}

/** Creates a node database and applies the node's committed migrations the way the node itself does. */
export async function createNodeDatabase(registry: DatabaseRegistry, name: string, migrationsFolder: string): Promise<string> {
  const url = await registry.create(name);
  const database = await openDatabase({ url, migrationsFolder, maxConnections: 1 });
  await database.close();
  return url;
}

/** The SQL statements of a node's drizzle-kit migrations, in journal order. */
export function migrationStatements(migrationsFolder: string): string[] {
  const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
  return journal.entries.flatMap((entry) =>
    readFileSync(join(migrationsFolder, `${entry.tag}.sql`), 'utf8')
      .split('--> statement-breakpoint')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );
}

/**
 * The floor database: the same tables and indexes as each node (the node's own migration files), one
 * schema per node, so one SQL statement can read all three nodes' data.
 */
export async function createFloorDatabase(
  registry: DatabaseRegistry,
  name: string,
  migrations: Record<NodeName, string>,
): Promise<string> {
  const url = await registry.create(name);
  await withClient(url, async (c) => {
    for (const [node, folder] of Object.entries(migrations)) {
      await c.query(`CREATE SCHEMA ${node}`);
      await c.query(`SET search_path TO ${node}`);
      for (const statement of migrationStatements(folder)) await c.query(statement.replaceAll('"public".', `"${node}".`));
    }
  });
  return url;
}

interface DroppedIndex {
  name: string;
  definition: string;
}
interface DroppedConstraint {
  table: string;
  name: string;
  definition: string;
}

/**
 * Drops a schema's secondary indexes and foreign keys before a bulk load; the returned function
 * recreates them exactly as they were (their definitions are read back from the catalogue), resets
 * the event id sequence and refreshes planner statistics.
 */
export async function prepareBulkLoad(client: pg.Client, schema: string): Promise<() => Promise<void>> {
  const indexes = (
    await client.query<{ indexname: string; indexdef: string }>(
      `SELECT i.indexname, i.indexdef FROM pg_indexes i
       WHERE i.schemaname = $1
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.connamespace = $1::regnamespace)`,
      [schema],
    )
  ).rows.map((r): DroppedIndex => ({ name: r.indexname, definition: r.indexdef }));
  const constraints = (
    await client.query<{ tbl: string; conname: string; def: string }>(
      `SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def
       FROM pg_constraint WHERE contype = 'f' AND connamespace = $1::regnamespace`,
      [schema],
    )
  ).rows.map((r): DroppedConstraint => ({ table: r.tbl, name: r.conname, definition: r.def }));
  for (const c of constraints) await client.query(`ALTER TABLE ${c.table} DROP CONSTRAINT "${c.name}"`);
  for (const i of indexes) await client.query(`DROP INDEX "${schema}"."${i.name}"`);
  return async () => {
    await client.query(`SET maintenance_work_mem = '1GB'`);
    for (const i of indexes) await client.query(i.definition);
    for (const c of constraints) await client.query(`ALTER TABLE ${c.table} ADD CONSTRAINT "${c.name}" ${c.definition}`);
    await client.query(
      `SELECT setval(pg_get_serial_sequence('"${schema}".epcis_event', 'id'), GREATEST(1, (SELECT max(id) FROM "${schema}".epcis_event)))`,
    );
    for (const table of ['epcis_event', 'event_epc', 'containment', 'vocabulary_element']) {
      await client.query(`VACUUM ANALYZE "${schema}".${table}`);
    }
  };
}

/** Size of a database on disk, for the results. */
export async function databaseSize(url: string): Promise<number> {
  return withClient(url, async (c) => Number((await c.query<{ n: string }>('SELECT pg_database_size(current_database()) AS n')).rows[0]?.n ?? 0));
}
