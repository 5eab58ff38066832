import { loadAuthConfig } from '../auth/config.ts';
import { openDatabase } from '../db/connection.ts';
import { startSubgraph, type SubgraphDefinition } from './subgraph.ts';
import type { NodeContext } from '../graphql/resolvers.ts';

/**
 * The one place a node reads its environment: <NAME>_DATABASE_URL (PostgreSQL) or embedded PGlite in
 * DATA_DIR/<name>, PORT and HOST. Each subgraph's main.ts calls this with its definition.
 */
export async function runSubgraphFromEnv<TContext extends NodeContext>(
  definition: SubgraphDefinition<TContext>,
  migrationsFolder: string,
  defaultPort: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  let auth;
  try {
    // Production refuses to start without the identity provider's JWKS, issuer, audience and secret.
    auth = await loadAuthConfig(env);
  } catch (error) {
    console.error(`${definition.name} not started: ${(error as Error).message}`);
    process.exit(1);
  }
  const url = env[`${definition.name.toUpperCase()}_DATABASE_URL`];
  const dataDir = url ? undefined : `${env.DATA_DIR ?? '.data'}/${definition.name}`;
  const database = await openDatabase({ url, dataDir, migrationsFolder });
  const running = await startSubgraph(definition, database, {
    auth,
    port: Number(env.PORT ?? defaultPort),
    host: env.HOST ?? '127.0.0.1',
  });
  console.log(`${definition.name} subgraph ready at ${running.url} (${database.driver}${dataDir ? `, ${dataDir}` : ''})`);
  const shutdown = () => void running.stop().then(() => database.close()).then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
