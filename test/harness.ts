/**
 * Starts the real network for a test file: each node's own database (in-memory PGlite, or a fresh
 * PostgreSQL database per node when TRACEFED_TEST_DATABASE_URL is set), every subgraph of the registry
 * (schema/subgraphs.ts) and the gateway on port 0, bound and kept. Tests talk to them over real HTTP.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { devAuthConfig, type AuthConfig } from '@tracefed/kit/auth/config';
import { IDENTITY_HEADER } from '@tracefed/kit/auth/tokens';
import { openDatabase, type Database } from '@tracefed/kit/db/connection';
import { startSubgraph, type RunningSubgraph } from '@tracefed/kit/server/subgraph';
import { readSupergraph, startGateway, type RunningGateway } from '@tracefed/gateway';
import { buildDemoNetwork, type DemoNetwork } from '../scripts/demo/network.ts';
import { seedNode } from '../scripts/demo/seed.ts';
import { demoIdentities, type DemoIdentity } from '../scripts/demo/identities.ts';
import { loadSubgraphModules, type SubgraphName } from '../schema/subgraphs.ts';

export const NODES = await loadSubgraphModules();
export type NodeName = SubgraphName;

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

/** Who a test request speaks as: a demo identity's key (meridian, northline, linden, inspectorate, fraud-unit, ...). */
export type As = string;

export interface QueryOptions {
  /** The demo identity to send the request as (default: the investigator, `fraud-unit`). */
  as?: As;
  /** Another URL than the gateway's; a node's URL gets the gateway-signed identity, as the gateway would send it. */
  url?: string;
}

export interface Network {
  demo: DemoNetwork;
  databases: Record<NodeName, Database>;
  subgraphs: Record<NodeName, RunningSubgraph>;
  gateway: RunningGateway;
  /** The network's identity set-up (development identity provider, keys in a temporary directory). */
  auth: AuthConfig;
  /** The demo identities, by key. */
  identities: Record<As, DemoIdentity>;
  /** A partner bearer token for a demo identity. */
  token(as: As): Promise<string>;
  /** The bearer token of the demo identity with this partner GLN. */
  tokenOfGln(gln: string): Promise<string>;
  /** Headers that authenticate a request as a demo identity: its bearer token. */
  authHeaders(as?: As): Promise<Record<string, string>>;
  /** POSTs a GraphQL operation to the gateway (or a node) and returns the parsed body. */
  query<T = any>(query: string, variables?: Record<string, unknown>, options?: QueryOptions | string): Promise<{ data?: T; errors?: any[] }>;
  stop(): Promise<void>;
}

export const DEFAULT_AS = 'fraud-unit';

export async function startNetwork(options: { seed?: boolean; rateLimit?: { perMinute: number; burst: number } } = {}): Promise<Network> {
  const demo = buildDemoNetwork();
  const keysDir = mkdtempSync(join(tmpdir(), 'tracefed-auth-'));
  const [auth, ...dbs] = await Promise.all([
    devAuthConfig(keysDir),
    ...NODES.map((n) => openTestDatabase(n.migrationsFolder, n.name)),
  ] as const);
  const identities = Object.fromEntries(demoIdentities(demo).map((i) => [i.key, i])) as Record<As, DemoIdentity>;
  const tokens = new Map<As, Promise<string>>();
  const token = (as: As): Promise<string> => {
    const identity = identities[as];
    if (!identity) throw new Error(`no demo identity "${as}"; known: ${Object.keys(identities).join(', ')}`);
    let t = tokens.get(as);
    if (!t) tokens.set(as, (t = auth.dev!.issue(identity)));
    return t;
  };
  const databases = Object.fromEntries(NODES.map((n, i) => [n.name, dbs[i] as Database])) as Record<NodeName, Database>;
  const running = await Promise.all(NODES.map((n) => startSubgraph(n.definition as never, databases[n.name], { auth })));
  // The demo is captured over HTTP, through each node's POST /epcis/capture, with each partner's token.
  if (options.seed !== false) {
    const tokenOf = new Map(await Promise.all(Object.values(identities).map(async (i) => [i.partner, await token(i.key)] as const)));
    await Promise.all(
      NODES.map((n, i) =>
        seedNode({ database: databases[n.name], url: running[i]!.url, tokenFor: (gln) => tokenOf.get(gln) ?? `no-token-for-${gln}` }, n.name, demo),
      ),
    );
  }
  const subgraphs = Object.fromEntries(running.map((s) => [s.name, s])) as Record<NodeName, RunningSubgraph>;
  const gateway = await startGateway({
    supergraphSdl: readSupergraph(),
    auth,
    subgraphUrls: Object.fromEntries(running.map((s) => [s.name, s.url])),
    // Tests send many requests as one partner; the limiter itself has its own test.
    rateLimit: options.rateLimit ?? { perMinute: 1_000_000, burst: 1_000_000 },
  });
  for (const db of dbs) db.statements.reset();
  return {
    demo,
    databases,
    subgraphs,
    gateway,
    auth,
    identities,
    token,
    tokenOfGln(gln) {
      const identity = Object.values(identities).find((i) => i.partner === gln);
      if (!identity) throw new Error(`no demo identity has partner GLN ${gln}`);
      return token(identity.key);
    },
    async authHeaders(as = DEFAULT_AS) {
      return { authorization: `Bearer ${await token(as)}` };
    },
    async query(query, variables, options = {}) {
      const { url = gateway.url, as = DEFAULT_AS } = typeof options === 'string' ? { url: options } : options;
      const identity = identities[as];
      if (!identity) throw new Error(`no demo identity "${as}"`);
      // Through the gateway: the partner's token. Straight to a node: what the gateway would send.
      const credentials: Record<string, string> =
        url === gateway.url
          ? { authorization: `Bearer ${await token(as)}` }
          : { [IDENTITY_HEADER]: await auth.signIdentity(identity) };
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...credentials },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as { data?: any; errors?: any[] };
    },
    async stop() {
      await gateway.stop();
      await Promise.all(running.map((s) => s.stop()));
      await Promise.all(dbs.map((d) => (d as Database).close()));
      rmSync(keysDir, { recursive: true, force: true });
    },
  };
}
