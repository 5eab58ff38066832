/**
 * The gateway's subgraph fetcher: node:http with a keep-alive Agent instead of Node's fetch (undici).
 * Profiling the trace under load showed undici's Request/Response and web-stream machinery as the largest
 * single cost of the gateway (52% of its CPU); this fetcher measured +15-27% throughput and -8 to -14%
 * p50 latency (bench/results/make-it-fast-2026-11-28.md). It implements only what Apollo's
 * RemoteGraphQLDataSource reads from a response (ok, status, statusText, url, headers.get, text, json).
 *
 * Every fetch is bounded: a total deadline (the request is destroyed when it passes) and a cap on
 * connections per subgraph, so a slow node cannot pile up sockets or hold a gateway request forever.
 *
 * A kept-alive connection can be closed by the node while it sits idle (the node's keep-alive timeout),
 * and a gateway busy with a large answer may not have processed that close when it picks the socket for
 * the next fetch: the write then fails with EPIPE or ECONNRESET (seen in the 100,000-unit recall bench).
 * A node closes only connections with no request in flight, so such a request was never processed: it is
 * sent again, once, on a new connection, as Node's documentation advises (`request.reusedSocket`). Any
 * other failure, or one after the answer began, is reported as it is.
 */
import { Agent, request } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface FetcherOptions {
  /** Deadline of one subgraph fetch, in milliseconds, from the request to the last byte of the answer. */
  timeoutMs: number;
  /** Most open connections per subgraph. */
  maxSockets?: number;
  /** Largest subgraph answer accepted, in bytes. */
  maxResponseBytes?: number;
}

interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export function createSubgraphFetcher(options: FetcherOptions) {
  const maxSockets = options.maxSockets ?? 128;
  const maxResponseBytes = options.maxResponseBytes ?? 256 * 1024 * 1024;
  const http = new Agent({ keepAlive: true, maxSockets });
  const https = new HttpsAgent({ keepAlive: true, maxSockets });
  const fetcher = (url: string, init: FetchInit = {}) => send(url, init, true);
  const send = (url: string, init: FetchInit, mayRetry: boolean) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      let answered = false;
      const secure = target.protocol === 'https:';
      // Encoded once: handed a string, node:http measures it again and encodes it as it writes (three
      // passes over a recall's 5 MB representation in the gateway's profile).
      const body = Buffer.from(init.body ?? '', 'utf8');
      const req = (secure ? httpsRequest : request)(
        {
          agent: secure ? https : http,
          host: target.hostname,
          port: target.port,
          path: `${target.pathname}${target.search}`,
          method: init.method ?? 'POST',
          headers: { ...init.headers, 'content-length': body.length },
        },
        (res) => {
          answered = true;
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxResponseBytes) {
              req.destroy(new Error(`subgraph at ${target.origin} answered more than ${maxResponseBytes} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', fail);
          res.on('end', () => {
            clearTimeout(deadline);
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            resolve({
              ok: status >= 200 && status < 300,
              status,
              statusText: res.statusMessage ?? '',
              url,
              headers: {
                get(name: string): string | null {
                  const value = res.headers[name.toLowerCase()];
                  return Array.isArray(value) ? value.join(', ') : (value ?? null);
                },
              },
              text: async () => text,
              json: async () => JSON.parse(text) as unknown,
            });
          });
        },
      );
      const deadline = setTimeout(
        () => req.destroy(new Error(`subgraph at ${target.origin} did not answer within ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
      function fail(error: Error & { code?: string }) {
        clearTimeout(deadline);
        if (mayRetry && !answered && req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
          resolve(send(url, init, false));
          return;
        }
        reject(error);
      }
      req.on('error', fail);
      req.end(body);
    });
  return Object.assign(fetcher, {
    close() {
      http.destroy();
      https.destroy();
    },
  });
}
