import type { Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { Database } from '../db/connection.ts';
import { createEventRepository } from '../epcis/repository.ts';
import { createCoreLoaders } from '../graphql/loaders.ts';
import { sharedResolvers, type NodeContext, type NodeRole } from '../graphql/resolvers.ts';
import { subgraphTypeDefs } from '../graphql/sdl.ts';
import { createEpcisRoutes, type EpcisRouteOptions } from './epcis.ts';
import { closeServer, createHttpServer, listen, type Route } from './http.ts';

export interface SubgraphDefinition<TContext extends NodeContext> {
  /** The subgraph's name in the supergraph (manufacturer, distributor, dispenser). */
  name: string;
  node: NodeRole;
  /** The subgraph's own schema.graphql text. */
  sdl: string;
  resolvers: GraphQLResolverMap<TContext>;
  /** Builds the per-request context (fresh DataLoaders every request). */
  createContext: (database: Database) => TContext;
  /** HTTP routes the node serves beside /graphql (e.g. the manufacturer's verification endpoint). */
  routes?: (database: Database) => Route[];
}

export interface RunningSubgraph {
  name: string;
  url: string;
  port: number;
  server: Server;
  stop(): Promise<void>;
}

/** The base context every node extends: its role and the core per-request loaders. */
export function createNodeContext(node: NodeRole, database: Database): NodeContext {
  return { node, loaders: createCoreLoaders(createEventRepository(database.db)) };
}

/**
 * Builds a Federation 2 subgraph from its schema.graphql plus the shared value types and serves it over
 * HTTP. Port 0 binds a free port and keeps it; the bound URL is returned.
 */
export async function startSubgraph<TContext extends NodeContext>(
  definition: SubgraphDefinition<TContext>,
  database: Database,
  options: {
    port?: number;
    host?: string;
    routes?: Route[];
    /** The EPCIS 2.0 REST binding under /epcis, on by default; `false` leaves it out. */
    epcis?: Omit<EpcisRouteOptions, 'db'> | false;
  } = {},
): Promise<RunningSubgraph> {
  const schema = buildSubgraphSchema([
    { typeDefs: subgraphTypeDefs(definition.sdl), resolvers: { ...sharedResolvers, ...definition.resolvers } as never },
  ]);
  const apollo = new ApolloServer<TContext>({
    schema,
    introspection: true,
    // Traces go to Apollo's cloud; nothing here may call out to the internet.
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();
  const server = createHttpServer<TContext>({
    apollo,
    context: async () => definition.createContext(database),
    routes: [
      ...(definition.routes?.(database) ?? []),
      ...(options.routes ?? []),
      ...(options.epcis === false ? [] : [createEpcisRoutes({ db: database.db, ...options.epcis })]),
    ],
    // Entity representations from the gateway carry @requires data (other nodes' custody of many
    // units), so a subgraph accepts larger bodies than the public gateway does.
    maxBodyBytes: 64 * 1024 * 1024,
  });
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, options.port ?? 0, host);
  return {
    name: definition.name,
    url: `http://${host}:${port}/graphql`,
    port,
    server,
    async stop() {
      await closeServer(server);
      await apollo.stop();
    },
  };
}
