import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';

/** A route beside /graphql (health, and later the EPCIS REST binding). Return false to fall through. */
export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean;

export interface HttpServerOptions<TContext extends BaseContext> {
  apollo: ApolloServer<TContext>;
  context: (req: IncomingMessage) => Promise<TContext>;
  routes?: Route[];
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Reads and parses a JSON request body, refusing bodies over the limit with 413. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new HttpError(413, `request body exceeds the limit of ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `request body is not valid JSON: ${(error as Error).message}`);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

/**
 * Serves an Apollo server on plain node:http: /graphql for GraphQL, the given routes for everything
 * else. Apollo's own integration API (executeHTTPGraphQLRequest) keeps CSRF prevention and content
 * negotiation exactly as in the standalone server, without a web framework.
 */
export function createHttpServer<TContext extends BaseContext>(options: HttpServerOptions<TContext>): Server {
  const maxBodyBytes = options.maxBodyBytes ?? 1_000_000;
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof HttpError ? error.message : 'internal server error';
      if (!(error instanceof HttpError)) console.error(error);
      const headers = error instanceof HttpError ? error.headers : {};
      if (!res.headersSent) sendJson(res, status, { error: message }, headers);
      else res.end();
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/health') return sendJson(res, 200, { status: 'ok' });
    for (const route of options.routes ?? []) if (await route(req, res, url)) return;
    if (url.pathname !== '/graphql' && url.pathname !== '/') return sendJson(res, 404, { error: `no route for ${url.pathname}` });
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    // The context (and with it authentication) is settled before the body is read or the operation
    // parsed: an unauthenticated caller gets its 401 (or 429) without costing a parse.
    const context = await options.context(req);
    const body = req.method === 'POST' ? await readJsonBody(req, maxBodyBytes) : undefined;
    const response = await options.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: async () => context,
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      // Encoded once: handed a string, node:http measures it and then encodes it (two passes over a
      // recall's multi-megabyte position table).
      res.end(Buffer.from(response.body.string, 'utf8'));
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }
  // Idle keep-alive connections stay open longer than a client's usual idle pool (Node's default is 5 s):
  // the gateway reuses its connections to the nodes, and a close racing a reuse costs a retried request.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

/** Listens on the given port (0 picks a free one and keeps it bound) and returns the bound port. */
export async function listen(server: Server, port: number, host = '127.0.0.1'): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
