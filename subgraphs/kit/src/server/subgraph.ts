import type { Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { GraphQLFormattedError } from 'graphql';
import type { Identity, Role } from '../auth/identity.ts';
import type { Database } from '../db/connection.ts';
import { createEventRepository } from '../epcis/repository.ts';
import { createCoreLoaders } from '../graphql/loaders.ts';
import { sharedResolvers, type NodeContext, type NodeRole } from '../graphql/resolvers.ts';
import { subgraphTypeDefs } from '../graphql/sdl.ts';
import type { CaptureNode } from '../auth/capture.ts';
import { createEpcisRoutes, type EpcisRouteOptions } from './epcis.ts';
import { createAuthenticator, type Authenticate, type NodeAuth } from './authenticate.ts';
import { closeServer, createHttpServer, listen, type Route } from './http.ts';

export interface SubgraphDefinition<TContext extends NodeContext> {
  /** The subgraph's name in the supergraph (manufacturer, distributor, dispenser). */
  name: string;
  node: NodeRole;
  /** The subgraph's own schema.graphql text. */
  sdl: string;
  resolvers: GraphQLResolverMap<TContext>;
  /** Builds the per-request context for a verified caller (fresh DataLoaders every request). */
  createContext: (database: Database, identity: Identity) => TContext;
  /** HTTP routes the node serves beside /graphql (e.g. the manufacturer's verification endpoint). */
  routes?: (database: Database, authenticate: Authenticate) => Route[];
  /** The partner roles that may capture EPCIS events into this node; default: the role named like the node. */
  captureRoles?: readonly Role[];
}

export interface RunningSubgraph {
  name: string;
  url: string;
  port: number;
  server: Server;
  stop(): Promise<void>;
}

/** The base context every node extends: its role and the core per-request loaders. */
export function createNodeContext(node: NodeRole, database: Database, identity: Identity): NodeContext {
  return { node, identity, loaders: createCoreLoaders(createEventRepository(database.db)) };
}

/** Error codes whose messages are written for the caller and safe to show in production. */
export const PUBLIC_ERROR_CODES = new Set([
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  /** The data changed while the request ran (a lot gained a unit during a recall): ask again. */
  'CONFLICT',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/**
 * Production errors: coded errors meant for the caller (FORBIDDEN, BAD_USER_INPUT, ...) keep their
 * message; anything else (a database error, a bug) becomes "internal server error", with no message,
 * SQL or stack.
 */
export function maskErrors(production: boolean) {
  return (formatted: GraphQLFormattedError): GraphQLFormattedError => {
    if (!production) return formatted;
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && PUBLIC_ERROR_CODES.has(code)) {
      return { message: formatted.message, ...(formatted.path ? { path: formatted.path } : {}), extensions: { code } };
    }
    return { message: 'internal server error', ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

/**
 * Builds a Federation 2 subgraph from its schema.graphql plus the shared value types and serves it over
 * HTTP. Port 0 binds a free port and keeps it; the bound URL is returned.
 */
export async function startSubgraph<TContext extends NodeContext>(
  definition: SubgraphDefinition<TContext>,
  database: Database,
  options: {
    /** How the node verifies its callers; every request needs an identity. */
    auth: NodeAuth;
    port?: number;
    host?: string;
    routes?: Route[];
    /** The EPCIS 2.0 REST binding under /epcis, on by default; `false` leaves it out. */
    epcis?: Omit<EpcisRouteOptions, 'db' | 'node' | 'authenticate' | 'captureRoles'> | false;
  },
): Promise<RunningSubgraph> {
  const production = options.auth.production ?? false;
  const authenticate = createAuthenticator(options.auth);
  const schema = buildSubgraphSchema([
    { typeDefs: subgraphTypeDefs(definition.sdl), resolvers: { ...sharedResolvers, ...definition.resolvers } as never },
  ]);
  const apollo = new ApolloServer<TContext>({
    schema,
    introspection: !production,
    includeStacktraceInErrorResponses: !production,
    formatError: maskErrors(production),
    // Traces go to Apollo's cloud; nothing here may call out to the internet.
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();
  const server = createHttpServer<TContext>({
    apollo,
    // GraphQL on a node answers only the gateway: _entities and _service included.
    context: async (req) => definition.createContext(database, await authenticate(req, { partnerToken: false })),
    routes: [
      ...(definition.routes?.(database, authenticate) ?? []),
      ...(options.routes ?? []),
      ...(options.epcis === false
        ? []
        : [
            createEpcisRoutes({
              db: database.db,
              node: definition.name as CaptureNode,
              captureRoles: definition.captureRoles,
              authenticate: (req) => authenticate(req, { partnerToken: true }),
              ...options.epcis,
            }),
          ]),
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
