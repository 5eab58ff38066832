/**
 * A recording pass-through in front of each subgraph: the gateway is pointed at these proxies for an
 * instrumented pass, and every fetch it makes is recorded with its timing and sizes. That shows the
 * query plan as it runs: how many sequential fetch rounds a trace takes, what each costs, and how large
 * the entity representations sent to the manufacturer for `custody` (@requires) are.
 */
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Exchange {
  subgraph: string;
  start: number;
  end: number;
  requestBytes: number;
  responseBytes: number;
  /** Entity representations in an `_entities` fetch (0 for a root fetch). */
  representations: number;
}

export interface RecordingProxy {
  urls: Record<string, string>;
  exchanges: Exchange[];
  close(): Promise<void>;
}

export async function startRecordingProxies(targets: Record<string, string>): Promise<RecordingProxy> {
  const exchanges: Exchange[] = [];
  const servers: Server[] = [];
  const urls: Record<string, string> = {};
  const agent = new Agent({ keepAlive: true });
  for (const [subgraph, target] of Object.entries(targets)) {
    const to = new URL(target);
    const server = createServer((req, res) => {
      // Arrival time: parallel fetches of one plan step arrive together, whatever each then costs.
      const start = performance.now();
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const upstream = request(
          { agent, host: to.hostname, port: to.port, path: to.pathname, method: req.method, headers: { ...req.headers, host: to.host } },
          (answer) => {
            const parts: Buffer[] = [];
            answer.on('data', (c: Buffer) => parts.push(c));
            answer.on('end', () => {
              const payload = Buffer.concat(parts);
              let representations = 0;
              try {
                const parsed = JSON.parse(body.toString('utf8')) as { variables?: { representations?: unknown[] } };
                representations = parsed.variables?.representations?.length ?? 0;
              } catch {
                representations = 0;
              }
              exchanges.push({ subgraph, start, end: performance.now(), requestBytes: body.length, responseBytes: payload.length, representations });
              res.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? 'application/json' });
              res.end(payload);
            });
          },
        );
        upstream.on('error', (error) => {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errors: [{ message: `proxy: ${error.message}` }] }));
        });
        upstream.end(body);
      });
    });
    server.keepAliveTimeout = 65_000; // as the nodes: longer than the gateway keeps an idle connection
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    servers.push(server);
    urls[subgraph] = `http://127.0.0.1:${(server.address() as AddressInfo).port}${to.pathname}`;
  }
  return {
    urls,
    exchanges,
    async close() {
      agent.destroy();
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}

export interface FetchRound {
  subgraphs: string[];
  /** Longest fetch of the round (the round's share of the critical path), ms. */
  ms: number;
  requestBytes: number;
  responseBytes: number;
}

/**
 * Groups one trace's fetches into rounds: a fetch that arrives before every fetch of the current round
 * has answered runs in parallel with them (the gateway sends a plan step's fetches together).
 */
export function roundsOf(exchanges: Exchange[]): FetchRound[] {
  const sorted = [...exchanges].sort((a, b) => a.start - b.start);
  const rounds: Array<{ items: Exchange[]; end: number }> = [];
  for (const e of sorted) {
    const last = rounds[rounds.length - 1];
    if (last && e.start < Math.min(...last.items.map((i) => i.end))) {
      last.items.push(e);
      last.end = Math.max(last.end, e.end);
    } else rounds.push({ items: [e], end: e.end });
  }
  return rounds.map((r) => ({
    subgraphs: r.items.map((e) => e.subgraph),
    ms: Math.max(...r.items.map((e) => e.end - e.start)),
    requestBytes: r.items.reduce((s, e) => s + e.requestBytes, 0),
    responseBytes: r.items.reduce((s, e) => s + e.responseBytes, 0),
  }));
}
