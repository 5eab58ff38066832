/**
 * Starts the real network for a test file: each node's own database (in-memory PGlite, or a fresh
 * PostgreSQL database per node when TRACEFED_TEST_DATABASE_URL is set), the three subgraphs and the
 * gateway on port 0, bound and kept. Tests talk to them over real HTTP.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '@tracefed/kit/db/connection';
import { startSubgraph, type RunningSubgraph } from '@tracefed/kit/server/subgraph';
import * as manufacturer from '@tracefed/manufacturer';
import * as distributor from '@tracefed/distributor';
import * as dispenser from '@tracefed/dispenser';
import { readSupergraph, startGateway, type RunningGateway } from '@tracefed/gateway';
import { buildDemoNetwork, type DemoNetwork } from '../scripts/demo/network.ts';
import { seedNode } from '../scripts/demo/seed.ts';

export const NODES = [manufacturer, distributor, dispenser] as const;
export type NodeName = (typeof NODES)[number]['name'];

/** Opens a throwaway database for a node: PGlite in memory, or a new PostgreSQL database. */
export async function openTestDatabase(migrationsFolder: string, label: string): Promise<Database> {
  const admin = process.env.TRACEFED_TEST_DATABASE_URL;
  if (!admin) return openDatabase({ migrationsFolder });
  const name = `tracefed_test_${label}_${randomBytes(4).toString('hex')}`;
  await withAdmin(admin, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), migrationsFolder, maxConnections: 4 });
  return {
    ...database,
    async close() {
      await database.close();
      await withAdmin(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface Network {
  demo: DemoNetwork;
  databases: Record<NodeName, Database>;
  subgraphs: Record<NodeName, RunningSubgraph>;
  gateway: RunningGateway;
  /** POSTs a GraphQL operation to the gateway (or another URL) and returns the parsed body. */
  query<T = any>(query: string, variables?: Record<string, unknown>, url?: string): Promise<{ data?: T; errors?: any[] }>;
  stop(): Promise<void>;
}

export async function startNetwork(options: { seed?: boolean } = {}): Promise<Network> {
  const demo = buildDemoNetwork();
  const dbs = await Promise.all(NODES.map((n) => openTestDatabase(n.migrationsFolder, n.name)));
  const databases = Object.fromEntries(NODES.map((n, i) => [n.name, dbs[i]!])) as Record<NodeName, Database>;
  const running = await Promise.all(NODES.map((n) => startSubgraph(n.definition as never, databases[n.name])));
  // The demo is captured over HTTP, through each node's POST /epcis/capture.
  if (options.seed !== false) {
    await Promise.all(NODES.map((n, i) => seedNode({ database: databases[n.name], url: running[i]!.url }, n.name, demo)));
  }
  const subgraphs = Object.fromEntries(running.map((s) => [s.name, s])) as Record<NodeName, RunningSubgraph>;
  const gateway = await startGateway({
    supergraphSdl: readSupergraph(),
    subgraphUrls: Object.fromEntries(running.map((s) => [s.name, s.url])),
  });
  for (const db of dbs) db.statements.reset();
  return {
    demo,
    databases,
    subgraphs,
    gateway,
    async query(query, variables, url = gateway.url) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as { data?: any; errors?: any[] };
    },
    async stop() {
      await gateway.stop();
      await Promise.all(running.map((s) => s.stop()));
      await Promise.all(dbs.map((d) => d.close()));
    },
  };
}
