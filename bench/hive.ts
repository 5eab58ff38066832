/**
 * Hive Gateway (@graphql-hive/gateway, The Guild) serving the committed supergraph, with each
 * subgraph's URL overridden the way our gateway's are, over node:http. Runs as its own process so
 * its memory is measured on its own. Reads PORT, HOST, MANUFACTURER_URL, DISTRIBUTOR_URL, DISPENSER_URL
 * (and SUPERGRAPH_FILE to serve another supergraph than the committed one);
 * prints "hive gateway ready at <url>".
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { readSupergraph } from '@tracefed/gateway';

const env = process.env;
const location = (name: string, url: string | undefined) => (url ? { [name]: { location: url } } : {});
const gateway = createGatewayRuntime({
  // SUPERGRAPH_FILE serves another composed supergraph (for comparing Hive's plans across versions).
  supergraph: env.SUPERGRAPH_FILE ? readFileSync(env.SUPERGRAPH_FILE, 'utf8') : readSupergraph(),
  transportEntries: {
    ...location('manufacturer', env.MANUFACTURER_URL),
    ...location('distributor', env.DISTRIBUTOR_URL),
    ...location('dispenser', env.DISPENSER_URL),
  },
  logging: 'error',
  // Same role as our gateway: no landing page or GraphiQL, no usage reporting.
  graphiql: false,
  landingPage: false,
});
const server = createServer(gateway);
server.keepAliveTimeout = 65_000;
server.listen(Number(env.PORT ?? 0), env.HOST ?? '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`hive gateway ready at http://${env.HOST ?? '127.0.0.1'}:${port}/graphql`);
});
const shutdown = () => {
  server.closeAllConnections();
  server.close(() => void Promise.resolve(gateway.dispose()).then(() => process.exit(0)));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
