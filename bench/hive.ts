/**
 * Hive Gateway (@graphql-hive/gateway, The Guild) serving the committed supergraph, with each
 * subgraph's URL overridden the way our gateway's are, over node:http. Runs as its own process so
 * its memory is measured on its own. Reads PORT, HOST, MANUFACTURER_URL, DISTRIBUTOR_URL, DISPENSER_URL,
 * DATA_DIR (the bench's development keys, see bench/auth.ts) and SUPERGRAPH_FILE (to serve another
 * supergraph than the committed one); prints "hive gateway ready at <url>".
 *
 * It does the auth work our gateway does on every request (gateway/src/index.ts):
 * - verifies the caller's bearer token with Hive's own JWT plugin (useJWT, jsonwebtoken) against the same
 *   public keys, issuer, audience and algorithms, and refuses requests without a valid one;
 * - signs the verified identity with the same short-lived HS256 signer our gateway
 *   uses, and sends it to every subgraph fetch as x-tracefed-identity (Hive's header propagation);
 * - applies the same graphql-armor limits (Hive takes the envelop flavour of the same library).
 * It has no per-partner rate limiter (ours is one map lookup per request, set far above the load).
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { createGatewayRuntime, extractFromHeader, useJWT, type JWTAuthContextExtension } from '@graphql-hive/gateway';
import { loadAuthConfig } from '@tracefed/kit/auth/config';
import { DEV_AUDIENCE, DEV_ISSUER } from '@tracefed/kit/auth/dev';
import { identityFromClaims } from '@tracefed/kit/auth/identity';
import { IDENTITY_HEADER } from '@tracefed/kit/auth/tokens';
import { readSupergraph } from '@tracefed/gateway';

const env = process.env;
const auth = await loadAuthConfig(env);
if (!auth.dev) throw new Error('bench/hive.ts runs with the bench\'s development keys: set DATA_DIR and no TRACEFED_JWKS_* variables');

// The identity provider's public keys (a JWKS), as the PEM keys jsonwebtoken verifies with, by key id.
const keys = new Map(
  auth.dev.jwks.keys.map((jwk) => [jwk.kid, createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString()]),
);
const signingKey = (kid?: string) => {
  const pem = kid ? keys.get(kid) : undefined;
  if (!pem) throw new Error(`no public key with kid ${kid}`);
  return pem;
};

// One signed identity per client request, shared by all of that request's subgraph fetches (our
// gateway signs once per request too).
const signed = new WeakMap<object, Promise<Record<string, string>>>();
const identityHeaders = (request: object, payload: Record<string, unknown>) => {
  let headers = signed.get(request);
  if (!headers) {
    headers = auth.signIdentity(identityFromClaims(payload)).then((token) => ({ [IDENTITY_HEADER]: token }));
    signed.set(request, headers);
  }
  return headers;
};

const location = (name: string, url: string | undefined) => (url ? { [name]: { location: url } } : {});
const gateway = createGatewayRuntime<JWTAuthContextExtension>({
  // SUPERGRAPH_FILE serves another composed supergraph (for comparing Hive's plans across versions).
  supergraph: env.SUPERGRAPH_FILE ? readFileSync(env.SUPERGRAPH_FILE, 'utf8') : readSupergraph(),
  transportEntries: {
    ...location('manufacturer', env.MANUFACTURER_URL),
    ...location('distributor', env.DISTRIBUTOR_URL),
    ...location('dispenser', env.DISPENSER_URL),
  },
  // `as never`: @graphql-hive/logger's typings declare Logger twice (two bundle chunks), and TypeScript treats them as unrelated.
  plugins: () => [
    useJWT({
      tokenLookupLocations: [extractFromHeader({ name: 'authorization', prefix: 'Bearer' })],
      signingKeyProviders: [signingKey],
      // What our verifier checks (kit/src/auth/tokens.ts): asymmetric algorithms only, issuer, audience, expiry.
      tokenVerification: { algorithms: ['ES256', 'RS256'], issuer: DEV_ISSUER, audience: DEV_AUDIENCE, clockTolerance: 30 },
      reject: { missingToken: true, invalidToken: true },
      // The identity travels in the signed header, not in the subgraph request's extensions.
      forward: { payload: false, token: false },
    }) as never,
    // gateway/src/security.ts's limits.
    EnvelopArmorPlugin({
      maxDepth: { n: 12 },
      maxAliases: { n: 15 },
      maxDirectives: { n: 20 },
      maxTokens: { n: 2000 },
      costLimit: { maxCost: 50_000, objectCost: 2, scalarCost: 1, depthCostFactor: 1.5, ignoreIntrospection: true },
      blockFieldSuggestion: { enabled: false },
    }),
  ],
  propagateHeaders: {
    fromClientToSubgraphs: ({ context, request }) => {
      const payload = context.jwt?.payload;
      // useJWT refuses unauthenticated requests before any subgraph is called.
      if (!payload) throw new Error('no verified token on a request that reached a subgraph fetch');
      return identityHeaders(request, payload as Record<string, unknown>);
    },
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
