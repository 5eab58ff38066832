import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { closeServer, createHttpServer, listen } from '@tracefed/kit/server/http';
import { verificationRoute } from './verification.ts';

export interface GatewayOptions {
  /** The composed supergraph SDL (schema/supergraph.graphql). */
  supergraphSdl: string;
  /** Subgraph URLs by name; a subgraph left out keeps the URL the supergraph names. */
  subgraphUrls?: Record<string, string>;
  port?: number;
  host?: string;
  /** Per-fetch timeout towards a subgraph, in milliseconds. */
  subgraphTimeoutMs?: number;
}

export interface RunningGateway {
  url: string;
  port: number;
  server: Server;
  stop(): Promise<void>;
}

export const supergraphUrl = new URL('../../schema/supergraph.graphql', import.meta.url);

/** Reads the committed, offline-composed supergraph. */
export function readSupergraph(): string {
  return readFileSync(supergraphUrl, 'utf8');
}

/**
 * Starts the Apollo gateway over a static supergraph. It never composes or polls at run time: what
 * it serves is exactly the reviewed, committed schema/supergraph.graphql.
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const timeoutMs = options.subgraphTimeoutMs ?? 10_000;
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource({
        url: options.subgraphUrls?.[name] ?? url,
        // Node's fetch keeps connections to each subgraph alive; the signal bounds every fetch.
        fetcher: ((input: string, init: RequestInit) =>
          fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) })) as never,
      }),
  });
  const apollo = new ApolloServer({ gateway, introspection: true });
  await apollo.start();
  const server = createHttpServer({
    apollo,
    context: async () => ({}),
    routes: [
      verificationRoute(async (query, variables) => {
        const response = await apollo.executeOperation({ query, variables });
        return response.body.kind === 'single' ? response.body.singleResult : { errors: [{ message: 'unexpected incremental response' }] };
      }),
    ],
  });
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, options.port ?? 0, host);
  return {
    url: `http://${host}:${port}/graphql`,
    port,
    server,
    async stop() {
      await closeServer(server);
      await apollo.stop();
    },
  };
}
