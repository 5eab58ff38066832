/**
 * `npm run new-subgraph -- <name> [--port N] [--role R] [--root DIR] [--no-register | --existing] [--dry-run]`
 *
 * Writes a working partner subgraph to subgraphs/<name>/ from the template (scripts/subgraph-template.ts),
 * generates its migrations, and registers it everywhere the network lists its nodes:
 *   schema/subgraphs.ts       the registry (composition, `npm start`, the test harness, migrations)
 *   package.json              the npm workspace (then `npm install`, so package-lock.json stays `npm ci`-able)
 *   docker-compose.yml        a service, the gateway's <NAME>_URL and depends_on
 *   docker/postgres-init.sql  the node's database
 *   Dockerfile                the workspace's package.json for `npm ci`
 * and recomposes the supergraph (`npm run compose`). See docs/EXTENDING.md.
 *
 *   --port N       its port (default: the first free one from 4004)
 *   --role R       the partner role that captures events into it (default: the name, when it is a role)
 *   --root DIR     another checkout of the project to write into (default: this one)
 *   --no-register  write the subgraph and its migrations only: no registry edits, install or compose
 *   --existing     write nothing: register subgraphs/<name>/, which exists already (written by hand), in
 *                  every file above that does not list it yet; then install and compose
 *   --dry-run      print what would be written and edited; write nothing
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { ROLES, type Role } from '@tracefed/kit/auth/identity';
import { sharedTypeDefsSource } from '@tracefed/kit/graphql/sdl';
import { generateMigrations } from './generate-migrations.ts';
import { subgraphFiles, type SubgraphSpec } from './subgraph-template.ts';

const repositoryRoot = fileURLToPath(new URL('../', import.meta.url));

/** Bad input: the message says what was wrong and what is expected. Exit code 2. */
export class NewSubgraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NewSubgraphError';
  }
}

export interface NewSubgraphOptions {
  name: string;
  port?: number;
  role?: string;
  root: string;
  register: boolean;
  /** Register subgraphs/<name>/ as it is; write no files. */
  existing: boolean;
  dryRun: boolean;
}

const USAGE = 'usage: npm run new-subgraph -- <name> [--port N] [--role ROLE] [--root DIR] [--no-register | --existing] [--dry-run]';

export function parseArguments(argv: readonly string[]): NewSubgraphOptions {
  const rest = [...argv];
  const value = (flag: string): string | undefined => {
    const at = rest.indexOf(flag);
    if (at === -1) return undefined;
    const v = rest[at + 1];
    if (v === undefined || v.startsWith('--')) throw new NewSubgraphError(`${flag} needs a value\n${USAGE}`);
    rest.splice(at, 2);
    return v;
  };
  const flag = (name: string): boolean => {
    const at = rest.indexOf(name);
    if (at !== -1) rest.splice(at, 1);
    return at !== -1;
  };
  const port = value('--port');
  const role = value('--role');
  const root = value('--root');
  const register = !flag('--no-register');
  const existing = flag('--existing');
  const dryRun = flag('--dry-run');
  if (existing && !register) throw new NewSubgraphError(`--existing registers a subgraph; --no-register says not to\n${USAGE}`);
  if (existing && role !== undefined) throw new NewSubgraphError('--role is for a new subgraph; an existing one names its captureRoles in its src/index.ts');
  const unknown = rest.filter((a) => a.startsWith('--'));
  if (unknown.length > 0) throw new NewSubgraphError(`unknown option ${unknown.join(', ')}\n${USAGE}`);
  if (rest.length !== 1) throw new NewSubgraphError(`${rest.length === 0 ? 'no subgraph name given' : `one name expected, got ${rest.join(' ')}`}\n${USAGE}`);
  let portNumber: number | undefined;
  if (port !== undefined) {
    portNumber = Number(port);
    if (!/^\d+$/.test(port) || portNumber < 1024 || portNumber > 65535) {
      throw new NewSubgraphError(`--port ${port}: expected a whole number from 1024 to 65535`);
    }
  }
  return {
    name: rest[0] as string,
    ...(portNumber !== undefined ? { port: portNumber } : {}),
    ...(role !== undefined ? { role } : {}),
    root: resolve(root ?? repositoryRoot),
    register,
    existing,
    dryRun,
  };
}

/** The registry's entries, read from the text of schema/subgraphs.ts (the file the generator edits). */
export function registeredSubgraphs(registryText: string): Array<{ name: string; port: number }> {
  const list = /export const SUBGRAPHS = \[([\s\S]*?)\n\] as const;/.exec(registryText);
  if (!list) throw new NewSubgraphError('schema/subgraphs.ts: no `export const SUBGRAPHS = [ ... ] as const;` list found');
  return [...(list[1] as string).matchAll(/\{\s*name:\s*'([a-z]+)',\s*port:\s*(\d+)/g)].map((m) => ({ name: m[1]!, port: Number(m[2]) }));
}

/** The values of the kit's NodeRole enum (kit/src/graphql/custody.graphql). */
function nodeRoles(): string[] {
  const body = /enum NodeRole \{([^}]*)\}/.exec(sharedTypeDefsSource)?.[1] ?? '';
  return body.split(/\s+/).filter((v) => /^[A-Z_]+$/.test(v));
}

/** The partners that hold or move goods run nodes; investigators and regulators read every node and run none. */
const NODE_RUNNING_ROLES = ROLES.filter((r) => r !== 'investigator' && r !== 'regulator');

/** Names that are taken by something other than a subgraph: the kit, the gateway, the database service. */
const RESERVED = new Set(['kit', 'gateway', 'postgres', 'schema', 'test', 'bench', 'scripts', 'docker', 'config']);

/**
 * Checks the request against the project at `root` and decides what is not given: the port (first free
 * from 4004) and the role (the name, when it is a role).
 */
export function planSubgraph(options: NewSubgraphOptions): SubgraphSpec {
  const { name, root } = options;
  checkName(name);
  const registered = registryAt(root);
  if (registered.some((s) => s.name === name)) throw new NewSubgraphError(`subgraph name "${name}" is taken: schema/subgraphs.ts already lists it`);
  if (existsSync(join(root, 'subgraphs', name))) throw new NewSubgraphError(`subgraph name "${name}" is taken: ${join(root, 'subgraphs', name)} exists`);
  const port = pickPort(options.port, registered);

  const role = options.role ?? name;
  if (!(NODE_RUNNING_ROLES as readonly string[]).includes(role)) {
    const roles = NODE_RUNNING_ROLES.join('|');
    throw new NewSubgraphError(
      options.role === undefined
        ? `"${name}" is not a role of partners that run a node, so say which partners capture events into it: --role ${roles} (subgraphs/kit/src/auth/identity.ts)`
        : `--role ${role}: expected ${roles}; investigators and regulators read every node and run none (subgraphs/kit/src/auth/identity.ts)`,
    );
  }
  const own = role.toUpperCase();
  const nodeRoleIsOwn = nodeRoles().includes(own);
  // A node of a role without a NodeRole value of its own (yet) stands in as a distributor: a partner that
  // holds goods between the manufacturer and the dispenser. Nothing reads it until the node joins custody.
  return { name, port, role: role as Role, nodeRole: nodeRoleIsOwn ? own : 'DISTRIBUTOR', nodeRoleIsOwn };
}

/**
 * For --existing: a subgraph folder written already (by hand, or by an earlier run), registered wherever it
 * is missing. Its port is the registry's when the registry lists it, else --port or the first free one.
 */
export function planExisting(options: NewSubgraphOptions): Registered {
  const { name, root } = options;
  checkName(name);
  const entry = join(root, 'subgraphs', name, 'src/index.ts');
  if (!existsSync(entry)) throw new NewSubgraphError(`--existing: ${entry} does not exist; without --existing the generator writes a new subgraph`);
  const registered = registryAt(root);
  const listed = registered.find((s) => s.name === name);
  if (listed) {
    if (options.port !== undefined && options.port !== listed.port) {
      throw new NewSubgraphError(`--port ${options.port}: schema/subgraphs.ts lists ${name} on port ${listed.port}`);
    }
    return { name, port: listed.port };
  }
  return { name, port: pickPort(options.port, registered) };
}

function checkName(name: string): void {
  if (!/^[a-z]{2,40}$/.test(name)) {
    throw new NewSubgraphError(
      `subgraph name "${name}": expected 2 to 40 lowercase letters (a-z), e.g. "logistics"; it names the folder, the supergraph's subgraph, the docker-compose service and <NAME>_URL`,
    );
  }
  if (RESERVED.has(name)) throw new NewSubgraphError(`subgraph name "${name}" is reserved: the project uses it for something else`);
}

/** The registry at `root` if it has one, this repository's otherwise (a throwaway elsewhere must not collide with the real nodes either). */
function registryAt(root: string): Array<{ name: string; port: number }> {
  const file = [join(root, 'schema/subgraphs.ts'), join(repositoryRoot, 'schema/subgraphs.ts')].find((f) => existsSync(f));
  return file ? registeredSubgraphs(readFileSync(file, 'utf8')) : [];
}

/** The port asked for, if no one has it, or the first free one from 4004. */
function pickPort(asked: number | undefined, registered: ReadonlyArray<{ name: string; port: number }>): number {
  const used = new Set([4000, ...registered.map((s) => s.port)]);
  let free = 4004;
  while (used.has(free)) free += 1;
  if (asked === undefined) return free;
  const owner = asked === 4000 ? 'the gateway' : registered.find((s) => s.port === asked)?.name;
  if (owner) throw new NewSubgraphError(`--port ${asked} is taken by ${owner}; free ports start at ${free}`);
  return asked;
}

/** The kit's EPCIS tables (names of the exported drizzle tables), which every node's db/schema.ts re-exports. */
export async function kitTableNames(): Promise<string[]> {
  const tables = (await import('@tracefed/kit/epcis/tables')) as Record<string, unknown>;
  return Object.keys(tables).filter((key) => is(tables[key], PgTable));
}

// ---- registration: text edits of the files that list the nodes, all checked before any is written ----

function insertBefore(text: string, anchor: RegExp, insert: string, where: string): string {
  const match = anchor.exec(text);
  if (!match) throw new NewSubgraphError(`${where}: cannot find where to add the subgraph (${anchor}); add it by hand (docs/EXTENDING.md)`);
  return text.slice(0, match.index) + insert + text.slice(match.index);
}

function insertAfterLast(text: string, line: RegExp, insert: string, where: string): string {
  const matches = [...text.matchAll(new RegExp(line.source, `${line.flags.replace('g', '')}gm`))];
  const last = matches.at(-1);
  if (!last) throw new NewSubgraphError(`${where}: cannot find where to add the subgraph (${line}); add it by hand (docs/EXTENDING.md)`);
  const end = last.index + last[0].length;
  return text[end] === '\n' ? text.slice(0, end + 1) + insert + text.slice(end + 1) : `${text.slice(0, end)}\n${insert}${text.slice(end)}`;
}

/** What registration needs to know of a subgraph. */
export type Registered = Pick<SubgraphSpec, 'name' | 'port'>;

function addToRegistry(text: string, spec: Registered): string {
  return insertBefore(text, /^\] as const;/m, `  { name: '${spec.name}', port: ${spec.port} },\n`, 'schema/subgraphs.ts');
}

function workspacesOf(text: string): string[] {
  const pkg = JSON.parse(text) as { workspaces?: unknown };
  if (!Array.isArray(pkg.workspaces)) throw new NewSubgraphError('package.json: no "workspaces" list');
  return pkg.workspaces as string[];
}

function addWorkspace(text: string, spec: Registered): string {
  const pkg = JSON.parse(text) as { workspaces: string[] };
  workspacesOf(text);
  const lastSubgraph = pkg.workspaces.findLastIndex((w) => w.startsWith('subgraphs/'));
  pkg.workspaces.splice(lastSubgraph + 1, 0, `subgraphs/${spec.name}`);
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

function addToCompose(text: string, spec: Registered): string {
  const { name, port } = spec;
  const NAME = name.toUpperCase();
  const service = `  ${name}:
    <<: *tracefed
    command: ["node", "dist/subgraphs/${name}/src/main.js"]
    environment:
      <<: *tracefed-env
      PORT: "${port}"
      ${NAME}_DATABASE_URL: postgres://\${POSTGRES_USER:-tracefed}:\${POSTGRES_PASSWORD:-tracefed}@postgres:5432/${name}
    depends_on: *subgraph-depends
    expose:
      - "${port}"
    healthcheck:
      test: ["CMD", "node", "-e", "fetch('http://127.0.0.1:${port}/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
      interval: 10s
      timeout: 5s
      retries: 5
      start_period: 30s

`;
  const gatewayAt = /^ {2}gateway:$/m.exec(text);
  if (!gatewayAt) throw new NewSubgraphError('docker-compose.yml: no gateway service; add the subgraph by hand (docs/EXTENDING.md)');
  const before = text.slice(0, gatewayAt.index);
  const rest = text.slice(gatewayAt.index);
  // The gateway block runs to the next service or top-level key.
  const blockEnd = /\n(?=\S| {2}\S)/g;
  blockEnd.lastIndex = gatewayAt[0].length;
  const end = blockEnd.exec(rest)?.index ?? rest.length;
  let block = rest.slice(0, end);
  block = insertAfterLast(block, /^ {6}[A-Z0-9_]+_URL: http:\/\/\S+$/, `      ${NAME}_URL: http://${name}:${port}/graphql\n`, 'docker-compose.yml gateway environment');
  block = insertAfterLast(block, /^ {8}condition: service_healthy$/, `      ${name}:\n        condition: service_healthy\n`, 'docker-compose.yml gateway depends_on');
  return before + service + block + rest.slice(end);
}

function addDatabase(text: string, spec: Registered): string {
  // Quoted: a name may be an SQL keyword (user, order, ...); quoted lowercase is the same name unquoted.
  return `${text.endsWith('\n') ? text : `${text}\n`}CREATE DATABASE "${spec.name}";\n`;
}

const dockerfileCopy = (name: string) => `COPY subgraphs/${name}/package.json subgraphs/${name}/`;

function addToDockerfile(text: string, spec: Registered): string {
  const withCopy = insertAfterLast(text, /^COPY subgraphs\/[a-z]+\/package\.json subgraphs\/[a-z]+\/$/, `${dockerfileCopy(spec.name)}\n`, 'Dockerfile');
  return withCopy.replace(/^EXPOSE (.+)$/m, (line, ports: string) => (ports.split(/\s+/).includes(String(spec.port)) ? line : `EXPOSE ${ports} ${spec.port}`));
}

/** One file that lists the nodes: whether it lists this one, and the edit that adds it. */
export interface Registration {
  path: string;
  has(text: string, spec: Registered): boolean;
  add(text: string, spec: Registered): string;
}

/** The files registration edits, by path relative to the project root. */
export const REGISTRATION: readonly Registration[] = [
  { path: 'schema/subgraphs.ts', has: (text, s) => registeredSubgraphs(text).some((r) => r.name === s.name), add: addToRegistry },
  { path: 'package.json', has: (text, s) => workspacesOf(text).includes(`subgraphs/${s.name}`), add: addWorkspace },
  { path: 'docker-compose.yml', has: (text, s) => new RegExp(`^ {2}${s.name}:$`, 'm').test(text), add: addToCompose },
  { path: 'docker/postgres-init.sql', has: (text, s) => new RegExp(`^CREATE DATABASE "?${s.name}"?;`, 'm').test(text), add: addDatabase },
  { path: 'Dockerfile', has: (text, s) => text.includes(dockerfileCopy(s.name)), add: addToDockerfile },
];

/**
 * The registration edits for a project at `root`: every file's new text, computed before anything is
 * written, so a file that cannot be edited stops them all. A file that lists the subgraph already is an
 * error, or skipped with `skipRegistered` (registering a node written by hand, or finishing a registration).
 */
export function registrationEdits(root: string, spec: Registered, options: { skipRegistered?: boolean } = {}): Array<{ path: string; text: string }> {
  const edits: Array<{ path: string; text: string }> = [];
  for (const { path, has, add } of REGISTRATION) {
    const file = join(root, path);
    if (!existsSync(file)) throw new NewSubgraphError(`${file} does not exist: --root must be a checkout of the project to register the subgraph there`);
    const text = readFileSync(file, 'utf8');
    if (has(text, spec)) {
      if (options.skipRegistered) continue;
      throw new NewSubgraphError(`${path} lists subgraph ${spec.name} already`);
    }
    edits.push({ path, text: add(text, spec) });
  }
  return edits;
}

/** Applies the registration edits (no install, no composition); returns the files it changed. */
export function registerSubgraph(root: string, spec: Registered, options: { skipRegistered?: boolean } = {}): string[] {
  const edits = registrationEdits(root, spec, options);
  for (const { path, text } of edits) writeFileSync(join(root, path), text);
  return edits.map((e) => e.path);
}

/** Writes the subgraph's files and generates its migrations; removes the folder again if either fails. */
export async function writeSubgraph(root: string, spec: SubgraphSpec): Promise<string[]> {
  const files = subgraphFiles(spec, await kitTableNames());
  const folder = join(root, 'subgraphs', spec.name);
  if (existsSync(folder)) throw new NewSubgraphError(`${folder} exists`);
  if (!existsSync(join(root, 'node_modules/@tracefed/kit/package.json'))) {
    throw new NewSubgraphError(
      `${root} cannot resolve @tracefed/kit: --root must be a checkout of the project with its node_modules (or a folder with a node_modules link to one)`,
    );
  }
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    generateMigrations(spec.name, { root, label: 'init' });
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  return [...Object.keys(files), `subgraphs/${spec.name}/src/db/migrations/`];
}

function run(command: string, args: string[], cwd: string): void {
  console.log(`$ ${command} ${args.join(' ')}`);
  execFileSync(command, args, { cwd, stdio: 'inherit' });
}

/** --existing: registers a subgraph folder that exists already, wherever it is missing. */
async function registerExisting(options: NewSubgraphOptions, where: string): Promise<void> {
  const spec = planExisting(options);
  const edits = registrationEdits(options.root, spec, { skipRegistered: true });
  if (edits.length === 0) {
    console.log(`subgraph ${spec.name}${where} is registered everywhere already (port ${spec.port})`);
    return;
  }
  if (options.dryRun) {
    console.log(`would register subgraph ${spec.name}${where} (port ${spec.port}) in:`);
    for (const { path } of edits) console.log(`  ${path}`);
    console.log('then run npm install --no-audit --no-fund and npm run compose');
    return;
  }
  for (const f of registerSubgraph(options.root, spec, { skipRegistered: true })) console.log(`registered in ${f}`);
  run('npm', ['install', '--no-audit', '--no-fund'], options.root);
  run('npm', ['run', 'compose'], options.root);
}

export async function main(argv: readonly string[]): Promise<void> {
  const options = parseArguments(argv);
  const where = options.root === resolve(repositoryRoot) ? '' : ` in ${options.root}`;
  if (options.existing) return registerExisting(options, where);
  const spec = planSubgraph(options);
  if (options.dryRun) {
    const files = Object.keys(subgraphFiles(spec, await kitTableNames()));
    console.log(`would write subgraph ${spec.name}${where} (port ${spec.port}, captured into by role ${spec.role}):`);
    for (const f of [...files, `subgraphs/${spec.name}/src/db/migrations/ (drizzle-kit)`]) console.log(`  ${f}`);
    if (options.register) {
      const edits = registrationEdits(options.root, spec);
      console.log('would register it in:');
      for (const { path } of edits) console.log(`  ${path}`);
      console.log('then run npm install --no-audit --no-fund and npm run compose');
    }
    return;
  }
  for (const f of await writeSubgraph(options.root, spec)) console.log(`wrote ${f}`);
  if (options.register) {
    for (const f of registerSubgraph(options.root, spec)) console.log(`registered in ${f}`);
    run('npm', ['install', '--no-audit', '--no-fund'], options.root);
    run('npm', ['run', 'compose'], options.root);
  }
  const test = `subgraphs/${spec.name}/src/${spec.name}.test.ts`;
  console.log(`
subgraph ${spec.name}${where} is ready on port ${spec.port}; ${spec.role} partners capture into it.
Next:
  npx vitest run ${test}
  add SerializedUnit.${spec.name}EventCount (and every field you add) to the access table,
    subgraphs/kit/src/auth/access.ts, or the authorization-matrix test will name it
  docs/EXTENDING.md: entity keys, fields, authorization, migrations, composition safety`);
  if (!options.register) console.log('  not registered (--no-register): it is not in schema/subgraphs.ts, package.json or docker-compose.yml');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`new-subgraph: ${(error as Error).message}`);
    process.exitCode = error instanceof NewSubgraphError ? 2 : 1;
  });
}
