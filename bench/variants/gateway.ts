/**
 * Experiment: our gateway exactly as shipped (gateway/src/index.ts startGateway: bearer token
 * verification, rate limit, graphql-armor, the identity signed for the nodes), serving another
 * supergraph than the committed one when asked (--peer-supergraph). Reads PORT, HOST, MANUFACTURER_URL, DISTRIBUTOR_URL, DISPENSER_URL, RATE_LIMIT_PER_MINUTE,
 * RATE_LIMIT_BURST, DATA_DIR (the identity keys) and SUPERGRAPH_FILE (to serve another supergraph than
 * the committed one); prints "gateway ready at <url>".
 */
import { readFileSync } from 'node:fs';
import { loadAuthConfig } from '@tracefed/kit/auth/config';
import { readSupergraph, startGateway } from '@tracefed/gateway';

const env = process.env;
const timeoutMs = 10_000;
const auth = await loadAuthConfig(env);
const gateway = await startGateway({
  supergraphSdl: env.SUPERGRAPH_FILE ? readFileSync(env.SUPERGRAPH_FILE, 'utf8') : readSupergraph(),
  auth,
  port: Number(env.PORT ?? 0),
  host: env.HOST ?? '127.0.0.1',
  subgraphTimeoutMs: timeoutMs,
  subgraphUrls: {
    ...(env.MANUFACTURER_URL ? { manufacturer: env.MANUFACTURER_URL } : {}),
    ...(env.DISTRIBUTOR_URL ? { distributor: env.DISTRIBUTOR_URL } : {}),
    ...(env.DISPENSER_URL ? { dispenser: env.DISPENSER_URL } : {}),
  },
  ...(env.RATE_LIMIT_PER_MINUTE
    ? { rateLimit: { perMinute: Number(env.RATE_LIMIT_PER_MINUTE), burst: Number(env.RATE_LIMIT_BURST ?? env.RATE_LIMIT_PER_MINUTE) } }
    : {}),
});
console.log(`gateway ready at ${gateway.url}`);
const shutdown = () => void gateway.stop().then(() => process.exit(0));
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
