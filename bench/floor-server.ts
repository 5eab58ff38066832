/**
 * Serves the floor over node:http, so it is measured the way the gateways are: the same client, the
 * same request body (the trace operation and its `code` variable), a JSON answer. Reads
 * FLOOR_DATABASE_URL, PORT and HOST; prints "floor ready at <url>".
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { readJsonBody, sendJson } from '@tracefed/kit/server/http';
import { createFloor } from './floor.ts';

const env = process.env;
const pool = new pg.Pool({ connectionString: env.FLOOR_DATABASE_URL, max: Number(env.FLOOR_POOL_SIZE ?? 10) });
pool.on('error', (error) => console.error(`[floor] pool error: ${error.message}`));
const floor = createFloor(pool);

const server = createServer((req, res) => {
  readJsonBody(req, 1_000_000)
    .then(async (body) => {
      const code = (body as { variables?: { code?: unknown } } | undefined)?.variables?.code;
      if (typeof code !== 'string') return sendJson(res, 400, { errors: [{ message: 'variables.code is required' }] });
      return sendJson(res, 200, await floor.trace(code));
    })
    .catch((error: unknown) => sendJson(res, 500, { errors: [{ message: (error as Error).message }] }));
});
server.keepAliveTimeout = 65_000;
server.listen(Number(env.PORT ?? 0), env.HOST ?? '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`floor ready at http://${env.HOST ?? '127.0.0.1'}:${port}/graphql`);
});
const shutdown = () => {
  server.closeAllConnections();
  server.close(() => void pool.end().then(() => process.exit(0)));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
