/**
 * The compiled services (npm run build: what the Docker image runs) start and serve: the build is
 * written into a throwaway folder inside the repository (third-party packages resolve from its
 * node_modules, as they do for dist/), then the compiled manufacturer node (on PGlite, applying its
 * migrations from the compiled tree) and the compiled gateway start as plain node processes, and a
 * partner's query goes through both over HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDevAuth } from '@tracefed/kit/auth/dev';
import { build } from '../scripts/build.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, `.build-test-${process.pid}`);
const DATA = mkdtempSync(join(tmpdir(), 'tracefed-build-test-'));
const children: ChildProcess[] = [];

/** Starts a compiled entry point with plain node (no tsx) and resolves with the URL it prints when ready. */
function start(entry: string, env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [join(OUT, entry)], {
    cwd: tmpdir(), // not the repository: nothing may depend on the working directory
    env: { PATH: process.env.PATH ?? '', APOLLO_TELEMETRY_DISABLED: '1', HOST: '127.0.0.1', PORT: '0', DATA_DIR: DATA, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /ready at (\S+)/.exec(output)?.[1];
      if (url) resolve(url);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${entry} exited with ${code}:\n${output}`)));
  });
}

let gatewayUrl: string;
let manufacturerUrl: string;

beforeAll(async () => {
  build(OUT);
  manufacturerUrl = await start('subgraphs/manufacturer/src/main.js', {});
  // The other nodes are not started: this query plan only reaches the manufacturer.
  gatewayUrl = await start('gateway/src/main.js', {
    MANUFACTURER_URL: manufacturerUrl,
    DISTRIBUTOR_URL: 'http://127.0.0.1:9/graphql',
    DISPENSER_URL: 'http://127.0.0.1:9/graphql',
    LOGISTICS_URL: 'http://127.0.0.1:9/graphql',
  });
}, 180_000);

afterAll(() => {
  for (const child of children) child.kill('SIGTERM');
  rmSync(OUT, { recursive: true, force: true });
  rmSync(DATA, { recursive: true, force: true });
});

describe('npm run build', () => {
  it('lays out the compiled services with their files and package links, and no TypeScript or tests', () => {
    for (const file of [
      'gateway/src/main.js',
      'schema/supergraph.graphql',
      'subgraphs/manufacturer/schema.graphql',
      'subgraphs/manufacturer/src/db/migrations/meta/_journal.json',
      'node_modules/@tracefed/kit/package.json',
    ]) {
      expect(existsSync(join(OUT, file)), file).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(OUT, 'subgraphs/kit/package.json'), 'utf8')).exports['./*']).toBe('./src/*.js');
    expect(existsSync(join(OUT, 'subgraphs/kit/src/gs1/identifier.ts'))).toBe(false);
    expect(existsSync(join(OUT, 'subgraphs/kit/src/gs1/identifier.test.js'))).toBe(false);
  });

  it('serves a partner through the compiled gateway and node, and refuses a caller without a token', async () => {
    const auth = await loadDevAuth(DATA);
    const token = await auth.issue({ sub: 'build-test', partner: '4099990000004', role: 'regulator', scope: [] });
    const ask = (headers: Record<string, string>) =>
      fetch(gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: '{ products { gtin } }' }),
      });
    const answered = await ask({ authorization: `Bearer ${token}` });
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({ data: { products: [] } });
    const refused = await ask({});
    expect(refused.status).toBe(401);
    // The node itself refuses a caller the gateway did not vouch for.
    expect((await fetch(manufacturerUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ products { gtin } }"}' })).status).toBe(401);
  });
});
