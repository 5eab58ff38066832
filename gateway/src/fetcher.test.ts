import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSubgraphFetcher } from './fetcher.ts';

/**
 * A raw HTTP/1.1 server whose behaviour per connection is scripted, so that the race the fetcher guards
 * against (a node closing an idle kept-alive connection just as the gateway reuses it) happens every time.
 */
async function scriptedServer(onRequest: (socket: Socket, connection: number, request: number) => void) {
  let connections = 0;
  const server: Server = createServer((socket) => {
    const connection = ++connections;
    let requests = 0;
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      // One complete request: headers, then content-length bytes of body.
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: *(\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.slice(end + 4 + length);
        onRequest(socket, connection, ++requests);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, connections: () => connections };
}

function answer(socket: Socket, body: string, keepAlive = true): void {
  socket.write(
    `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `connection: ${keepAlive ? 'keep-alive' : 'close'}\r\n\r\n${body}`,
  );
}

const servers: Server[] = [];
const fetchers: Array<{ close(): void }> = [];
afterEach(async () => {
  for (const f of fetchers.splice(0)) f.close();
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

describe('subgraph fetcher', () => {
  it('sends a request again on a new connection when the node closed the reused idle one', async () => {
    // Connection 1 answers its first request, then is reset by the node when the second arrives (as a
    // node does when its keep-alive timeout fires at the moment the gateway reuses the connection).
    const s = await scriptedServer((socket, connection, request) => {
      if (connection === 1 && request === 2) socket.resetAndDestroy();
      else answer(socket, JSON.stringify({ data: { connection, request } }));
    });
    servers.push(s.server);
    const fetcher = createSubgraphFetcher({ timeoutMs: 5_000 });
    fetchers.push(fetcher);
    const first = (await fetcher(s.url, { body: '{"query":"{a}"}' })) as { json(): Promise<unknown> };
    expect(await first.json()).toEqual({ data: { connection: 1, request: 1 } });
    const second = (await fetcher(s.url, { body: '{"query":"{a}"}' })) as { json(): Promise<unknown> };
    expect(await second.json()).toEqual({ data: { connection: 2, request: 1 } });
    expect(s.connections()).toBe(2);
  });

  it('does not send again when a new connection fails, or when the answer had begun', async () => {
    // A fresh connection reset before any answer: the error is the caller's, sent once.
    const refused = await scriptedServer((socket) => socket.resetAndDestroy());
    servers.push(refused.server);
    const fetcher = createSubgraphFetcher({ timeoutMs: 5_000 });
    fetchers.push(fetcher);
    await expect(fetcher(refused.url, { body: '{}' })).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(refused.connections()).toBe(1);

    // A reused connection cut halfway through the answer: the node may have acted on it, so no retry.
    const cut = await scriptedServer((socket, connection, request) => {
      if (connection === 1 && request === 2) {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"data":');
        setTimeout(() => socket.resetAndDestroy(), 20);
      } else answer(socket, '{"data":{}}');
    });
    servers.push(cut.server);
    await fetcher(cut.url, { body: '{}' });
    await expect(fetcher(cut.url, { body: '{}' })).rejects.toThrow();
    expect(cut.connections()).toBe(1);
  });

  it('gives up at its deadline, naming the node', async () => {
    const silent = await scriptedServer(() => undefined);
    servers.push(silent.server);
    const fetcher = createSubgraphFetcher({ timeoutMs: 200 });
    fetchers.push(fetcher);
    await expect(fetcher(silent.url, { body: '{}' })).rejects.toThrow(/did not answer within 200 ms/);
  });
});
