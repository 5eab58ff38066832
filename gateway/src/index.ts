import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { Identity } from '@tracefed/kit/auth/identity';
import { IDENTITY_HEADER } from '@tracefed/kit/auth/tokens';
import { closeServer, createHttpServer, listen } from '@tracefed/kit/server/http';
import { maskErrors } from '@tracefed/kit/server/subgraph';
import { createSubgraphFetcher } from './fetcher.ts';
import { armor, authenticate, createRateLimiter } from './security.ts';
import { verificationRoute } from './verification.ts';

/** How the gateway checks its callers and vouches for them to the nodes. */
export interface GatewayAuth {
  /** Verifies a partner's bearer token (the identity provider's JWKS, issuer, audience, expiry). */
  verifyPartnerToken(token: string): Promise<Identity>;
  /** Signs the verified identity for the nodes (short-lived, shared secret). */
  signIdentity(identity: Identity): Promise<string>;
  /** Production: no introspection, no field suggestions, masked error details. */
  production: boolean;
}

export interface GatewayOptions {
  /** The composed supergraph SDL (schema/supergraph.graphql). */
  supergraphSdl: string;
  auth: GatewayAuth;
  /** Subgraph URLs by name; a subgraph left out keeps the URL the supergraph names. */
  subgraphUrls?: Record<string, string>;
  port?: number;
  host?: string;
  /** Per-fetch timeout towards a subgraph, in milliseconds. */
  subgraphTimeoutMs?: number;
  /** Requests per partner per minute, with a burst allowance (token bucket). */
  rateLimit?: { perMinute: number; burst: number };
  /** Largest GraphQL request body, in bytes (default 256 KiB). */
  maxBodyBytes?: number;
}

export interface RunningGateway {
  url: string;
  port: number;
  server: Server;
  stop(): Promise<void>;
}

/** What every gateway request carries: the caller, and its identity signed once for the nodes. */
export interface GatewayContext {
  identity: Identity;
  signedIdentity: Promise<string>;
}

export const supergraphUrl = new URL('../../schema/supergraph.graphql', import.meta.url);

/** Reads the committed, offline-composed supergraph. */
export function readSupergraph(): string {
  return readFileSync(supergraphUrl, 'utf8');
}

export const DEFAULT_RATE_LIMIT = { perMinute: 600, burst: 120 };

/** Forwards the caller to a node: the identity the gateway verified, signed so the node can check it. */
class AuthenticatedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const signed = await (context as Partial<GatewayContext>).signedIdentity;
    // A fetch without an identity (none exists in this gateway) would be refused by the node anyway.
    if (signed) request.http?.headers.set(IDENTITY_HEADER, signed);
  }
}

/**
 * Starts the Apollo gateway over a static supergraph. It never composes or polls at run time: what
 * it serves is exactly the reviewed, committed schema/supergraph.graphql. Every request carries a
 * partner's bearer token; the gateway verifies it, applies the per-partner rate limit and the
 * OWASP limits (depth, aliases, tokens, cost), and passes the identity on to the nodes, signed.
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const timeoutMs = options.subgraphTimeoutMs ?? 10_000;
  const { auth } = options;
  // Keep-alive connections to each subgraph, a deadline on every fetch, a cap on sockets.
  const fetcher = createSubgraphFetcher({ timeoutMs });
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name, url }) => new AuthenticatedDataSource({ url: options.subgraphUrls?.[name] ?? url, fetcher: fetcher as never }),
  });
  const limits = armor(auth.production);
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: !auth.production,
    includeStacktraceInErrorResponses: !auth.production,
    formatError: maskErrors(auth.production),
    // Batched HTTP requests stay off (Apollo's default): one operation per request, one rate-limit token.
    allowBatchedHttpRequests: false,
    // CSRF prevention is on by default in Apollo Server 4+; it stays on.
    plugins: [...(limits.plugins ?? [])] as never,
    validationRules: [...(limits.validationRules ?? [])],
    parseOptions: limits.parseOptions,
  });
  await apollo.start();
  const limit = createRateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
  const identify = async (req: Parameters<typeof authenticate>[1]): Promise<Identity> => {
    const identity = await authenticate(auth, req);
    limit(identity.partner);
    return identity;
  };
  const contextFor = (identity: Identity): GatewayContext => {
    const signedIdentity = auth.signIdentity(identity);
    signedIdentity.catch(() => {});
    return { identity, signedIdentity };
  };
  const server = createHttpServer<GatewayContext>({
    apollo,
    context: async (req) => contextFor(await identify(req)),
    maxBodyBytes: options.maxBodyBytes ?? 256 * 1024,
    routes: [
      verificationRoute(async (query, variables, identity) => {
        const response = await apollo.executeOperation({ query, variables }, { contextValue: contextFor(identity) });
        return response.body.kind === 'single' ? response.body.singleResult : { errors: [{ message: 'unexpected incremental response' }] };
      }, identify),
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
      fetcher.close();
    },
  };
}
