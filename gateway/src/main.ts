// The gateway's entry point: reads the environment, serves the committed supergraph (or the composed
// supergraph file SUPERGRAPH_FILE names, e.g. one composed offline for another release).
import { readFileSync } from 'node:fs';
import { loadAuthConfig } from '@tracefed/kit/auth/config';
import { readSupergraph, startGateway } from './index.ts';
import { subgraphUrlsFromEnv } from './subgraph-urls.ts';

process.env.APOLLO_TELEMETRY_DISABLED ??= '1';
const env = process.env;
let auth;
try {
  // Production refuses to start without the identity provider's JWKS, issuer, audience and secret.
  auth = await loadAuthConfig(env);
} catch (error) {
  console.error(`gateway not started: ${(error as Error).message}`);
  process.exit(1);
}
let supergraphSdl: string;
try {
  supergraphSdl = env.SUPERGRAPH_FILE ? readFileSync(env.SUPERGRAPH_FILE, 'utf8') : readSupergraph();
} catch (error) {
  console.error(`gateway not started: cannot read the supergraph ${env.SUPERGRAPH_FILE ?? ''}: ${(error as Error).message}`);
  process.exit(1);
}
const gateway = await startGateway({
  supergraphSdl,
  auth,
  port: Number(env.PORT ?? 4000),
  host: env.HOST ?? '127.0.0.1',
  // <NAME>_URL for every subgraph in the supergraph (MANUFACTURER_URL, DISTRIBUTOR_URL, ...).
  subgraphUrls: subgraphUrlsFromEnv(supergraphSdl, env),
  ...(env.RATE_LIMIT_PER_MINUTE
    ? { rateLimit: { perMinute: Number(env.RATE_LIMIT_PER_MINUTE), burst: Number(env.RATE_LIMIT_BURST ?? env.RATE_LIMIT_PER_MINUTE) } }
    : {}),
});
console.log(`gateway ready at ${gateway.url}${auth.production ? ' (production)' : ''}`);
const shutdown = () => void gateway.stop().then(() => process.exit(0));
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
