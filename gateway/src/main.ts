// The gateway's entry point: reads the environment, serves the committed supergraph.
import { readSupergraph, startGateway } from './index.ts';

process.env.APOLLO_TELEMETRY_DISABLED ??= '1';
const env = process.env;
const gateway = await startGateway({
  supergraphSdl: readSupergraph(),
  port: Number(env.PORT ?? 4000),
  host: env.HOST ?? '127.0.0.1',
  subgraphUrls: {
    ...(env.MANUFACTURER_URL ? { manufacturer: env.MANUFACTURER_URL } : {}),
    ...(env.DISTRIBUTOR_URL ? { distributor: env.DISTRIBUTOR_URL } : {}),
    ...(env.DISPENSER_URL ? { dispenser: env.DISPENSER_URL } : {}),
  },
});
console.log(`gateway ready at ${gateway.url}`);
const shutdown = () => void gateway.stop().then(() => process.exit(0));
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
