/**
 * npm run build: compiles the services to JavaScript under dist/ (or --out DIR), so that production runs
 * plain `node` instead of loading TypeScript through tsx at run time. tsx costs each process about
 * 65 MB of resident memory (its module-loader thread and per-module transforms) and start-up time:
 * the gateway idles at 218 MB through tsx and 152 MB compiled (bench/results/gateway-memory-2026-11-28.md).
 *
 * dist/ keeps the repository's layout, because services find their files relative to their own module
 * (a subgraph's schema.graphql and migrations, the kit's SDL fragments, the committed supergraph):
 *   dist/gateway/src/main.js, dist/subgraphs/<name>/src/main.js, dist/schema/supergraph.graphql.
 * Every workspace package gets its package.json with its exports pointing at .js, and
 * dist/node_modules/@tracefed/<name> links to it, so `@tracefed/kit/...` resolves to the compiled kit;
 * third-party packages resolve from the repository's node_modules as usual.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (!value || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
}

/** The workspaces that make up the services (tests, bench and scripts are not shipped). */
function serviceWorkspaces(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  return pkg.workspaces;
}

/** Files a service reads at run time next to its code: everything under the workspace but TypeScript and tests. */
function copyAssets(from: string, to: string): number {
  let copied = 0;
  for (const entry of readdirSync(from)) {
    if (entry === 'node_modules' || entry === 'package.json') continue;
    const source = join(from, entry);
    const target = join(to, entry);
    if (statSync(source).isDirectory()) {
      copied += copyAssets(source, target);
    } else if (!entry.endsWith('.ts')) {
      mkdirSync(dirname(target), { recursive: true });
      cpSync(source, target);
      copied += 1;
    }
  }
  return copied;
}

/** A package's exports with `.ts` targets pointing at the compiled `.js`. */
function compiledExports(exports: unknown): unknown {
  if (typeof exports === 'string') return exports.replace(/\.ts$/, '.js');
  if (exports && typeof exports === 'object') {
    return Object.fromEntries(Object.entries(exports as Record<string, unknown>).map(([k, v]) => [k, compiledExports(v)]));
  }
  return exports;
}

export function build(out: string): { workspaces: number; assets: number } {
  rmSync(out, { recursive: true, force: true });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', out], { cwd: ROOT, stdio: 'inherit' });
  let assets = 0;
  const workspaces = serviceWorkspaces();
  for (const workspace of workspaces) {
    const source = join(ROOT, workspace);
    const target = join(out, workspace);
    assets += copyAssets(source, target);
    const pkg = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as { name: string; exports?: unknown };
    writeFileSync(join(target, 'package.json'), `${JSON.stringify({ ...pkg, exports: compiledExports(pkg.exports) }, null, 2)}\n`);
    const link = join(out, 'node_modules', pkg.name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(relative(dirname(link), target), link, 'dir');
  }
  mkdirSync(join(out, 'schema'), { recursive: true });
  cpSync(join(ROOT, 'schema', 'supergraph.graphql'), join(out, 'schema', 'supergraph.graphql'));
  return { workspaces: workspaces.length, assets: assets + 1 };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(ROOT, option('--out') ?? 'dist');
  const started = performance.now();
  const { workspaces, assets } = build(out);
  console.log(
    `built ${workspaces} workspaces into ${relative(process.cwd(), out) || out} (${assets} files besides the code) in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
      `start a service with node ${relative(process.cwd(), join(out, 'gateway/src/main.js'))} (or subgraphs/<name>/src/main.js)`,
  );
}
