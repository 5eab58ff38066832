/**
 * Experiment: our gateway exactly as gateway/src/index.ts builds it (static supergraph, Apollo Gateway
 * behind Apollo Server on node:http), except for how it fetches from subgraphs. GATEWAY_FETCHER=agent
 * uses node:http with a keep-alive Agent; anything else uses Node's fetch as the shipped gateway does.
 * Reads PORT, HOST, MANUFACTURER_URL, DISTRIBUTOR_URL, DISPENSER_URL (and SUPERGRAPH_FILE to serve another
 * supergraph than the committed one); prints "gateway ready at <url>".
 */
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { createHttpServer, listen } from '@tracefed/kit/server/http';
import { readSupergraph } from '@tracefed/gateway';
import { createAgentFetcher } from './fetcher.ts';

const env = process.env;
const timeoutMs = 10_000;
const urls: Record<string, string | undefined> = { manufacturer: env.MANUFACTURER_URL, distributor: env.DISTRIBUTOR_URL, dispenser: env.DISPENSER_URL };
const agentFetcher = createAgentFetcher(timeoutMs);
const fetchFetcher = (input: string, init: RequestInit) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
const gateway = new ApolloGateway({
  supergraphSdl: env.SUPERGRAPH_FILE ? readFileSync(env.SUPERGRAPH_FILE, 'utf8') : readSupergraph(),
  buildService: ({ name, url }) =>
    new RemoteGraphQLDataSource({
      url: urls[name] ?? url,
      fetcher: (env.GATEWAY_FETCHER === 'agent' ? agentFetcher : fetchFetcher) as never,
    }),
});
const apollo = new ApolloServer({ gateway, introspection: true });
await apollo.start();
const server = createHttpServer({ apollo, context: async () => ({}) });
const host = env.HOST ?? '127.0.0.1';
const port = await listen(server, Number(env.PORT ?? 0), host);
console.log(`gateway ready at http://${host}:${port}/graphql (fetcher: ${env.GATEWAY_FETCHER === 'agent' ? 'node:http agent' : 'fetch'})`);
const shutdown = () => {
  server.closeAllConnections();
  server.close(() => void apollo.stop().then(() => process.exit(0)));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
