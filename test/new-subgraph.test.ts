/**
 * The template path of issue 7: `npm run new-subgraph` writes a throwaway subgraph into a temporary
 * project root (its node_modules links to this checkout's, so @tracefed/kit resolves as in the
 * repository). The subgraph's own generated test passes, its code typechecks under the project's strict
 * tsconfig, it composes with the real subgraphs, and the gateway serves its field with its authorization
 * rule. Registration is checked on copies of the files it edits. Everything written is removed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devAuthConfig, type AuthConfig } from '@tracefed/kit/auth/config';
import type { Identity } from '@tracefed/kit/auth/identity';
import type { Database } from '@tracefed/kit/db/connection';
import { subgraphSdlText } from '@tracefed/kit/graphql/sdl';
import { computeCheckDigit } from '@tracefed/kit/gs1/index';
import { startSubgraph, type RunningSubgraph } from '@tracefed/kit/server/subgraph';
import { startGateway, type RunningGateway } from '@tracefed/gateway';
import { supergraphSubgraphs, subgraphUrlsFromEnv } from '../gateway/src/subgraph-urls.ts';
import { composeSupergraph } from '../schema/compose.ts';
import { loadSubgraphModule, SUBGRAPHS, subgraphSdl } from '../schema/subgraphs.ts';
import { NewSubgraphError, parseArguments, planExisting, planSubgraph, REGISTRATION, registerSubgraph } from '../scripts/new-subgraph.ts';
import type { SubgraphSpec } from '../scripts/subgraph-template.ts';
import { openTestDatabase } from './harness.ts';

const repository = fileURLToPath(new URL('../', import.meta.url));
const NAME = 'throwaway';
const FIELD = `${NAME}EventCount`;
const bin = (tool: string) => join(repository, 'node_modules/.bin', tool);

let root: string;
let cli: { status: number | null; output: string };

/** Runs `npm run new-subgraph -- ...` (the script itself, through tsx) and returns its exit code and output. */
function newSubgraph(args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/new-subgraph.ts', ...args], { cwd: repository, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tracefed-new-subgraph-'));
  symlinkSync(join(repository, 'node_modules'), join(root, 'node_modules'), 'dir');
  cli = newSubgraph([NAME, '--role', 'distributor', '--root', root, '--no-register']);
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('npm run new-subgraph', () => {
  it('writes the subgraph from the template, with its drizzle-kit migrations, and registers nothing with --no-register', () => {
    expect(cli.status, cli.output).toBe(0);
    const folder = join(root, 'subgraphs', NAME);
    for (const file of ['package.json', 'schema.graphql', 'drizzle.config.ts', 'src/index.ts', 'src/main.ts', 'src/context.ts', 'src/loaders.ts', 'src/repository.ts', 'src/resolvers/SerializedUnit.ts', 'src/db/schema.ts', `src/${NAME}.test.ts`, 'src/db/migrations/0000_init.sql', 'src/db/migrations/meta/_journal.json']) {
      expect(existsSync(join(folder, file)), file).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).name).toBe(`@tracefed/${NAME}`);
    expect(readFileSync(join(folder, 'src/db/migrations/0000_init.sql'), 'utf8')).toMatch(/CREATE TABLE "epcis_event"/);
    // Nothing outside its folder: the temporary root holds only the link to node_modules and subgraphs/.
    expect(existsSync(join(root, 'schema'))).toBe(false);
    expect(cli.output).toContain('not registered (--no-register)');
  });

  it('refuses bad input, saying what was wrong and what is expected', () => {
    const plan = (...args: string[]) => () => planSubgraph(parseArguments(args));
    expect(plan('Logistics')).toThrow(/subgraph name "Logistics": expected 2 to 40 lowercase letters/);
    expect(plan('cold-chain')).toThrow(/expected 2 to 40 lowercase letters/);
    expect(plan('dispenser')).toThrow(/"dispenser" is taken: schema\/subgraphs.ts already lists it/);
    expect(plan('kit')).toThrow(/"kit" is reserved/);
    expect(plan(NAME, '--root', root, '--role', 'distributor')).toThrow(/"throwaway" is taken: .*subgraphs\/throwaway exists/);
    expect(plan('wholesaler')).toThrow(/"wholesaler" is not a role of partners that run a node.*--role manufacturer\|distributor\|dispenser\|logistics/);
    expect(plan('wholesaler', '--role', 'regulator')).toThrow(/--role regulator: expected .*investigators and regulators read every node and run none/);
    expect(plan('wholesaler', '--role', 'distributor', '--port', String(SUBGRAPHS[0].port))).toThrow(`--port ${SUBGRAPHS[0].port} is taken by ${SUBGRAPHS[0].name}`);
    expect(plan('wholesaler', '--role', 'distributor', '--port', '4000')).toThrow('--port 4000 is taken by the gateway');
    expect(plan('wholesaler', '--port', '80')).toThrow('--port 80: expected a whole number from 1024 to 65535');
    expect(plan('wholesaler', '--colour', 'red')).toThrow('unknown option --colour');
    expect(plan()).toThrow('no subgraph name given');
    expect(plan('wholesaler', '--role', 'distributor')).not.toThrow();
    for (const bad of [plan('Logistics'), plan('dispenser')]) expect(bad).toThrow(NewSubgraphError);
    // The CLI exits with 2 on bad input and writes nothing.
    const refused = newSubgraph(['Bad', '--root', root]);
    expect(refused.status).toBe(2);
    expect(refused.output).toMatch(/^new-subgraph: subgraph name "Bad"/m);
  });

  it('picks the first free port from 4004 and defaults the capturing role to the name when the name is a role', () => {
    const spec = planSubgraph(parseArguments(['wholesaler', '--role', 'dispenser']));
    const taken = new Set<number>([4000, ...SUBGRAPHS.map((s) => s.port)]);
    expect(taken.has(spec.port)).toBe(false);
    for (let port = 4004; port < spec.port; port++) expect(taken.has(port), `port ${port} is free but was skipped`).toBe(true);
    expect(spec).toMatchObject({ role: 'dispenser', nodeRole: 'DISPENSER', nodeRoleIsOwn: true });
    expect(planSubgraph(parseArguments(['wholesaler', '--role', 'distributor', '--port', '4999'])).port).toBe(4999);
  });

  it('--dry-run prints the plan and writes nothing', () => {
    const dry = newSubgraph(['wholesaler', '--role', 'distributor', '--root', root, '--no-register', '--dry-run']);
    expect(dry.status, dry.output).toBe(0);
    expect(dry.output).toContain('would write subgraph wholesaler');
    expect(dry.output).toContain('subgraphs/wholesaler/src/wholesaler.test.ts');
    expect(existsSync(join(root, 'subgraphs', 'wholesaler'))).toBe(false);
  });

  it("the generated subgraph's own test passes", () => {
    const report = join(root, 'vitest-report.json');
    // Under the project's vitest config (its timeouts, pool and environment), as `npm test` would run it in place.
    const config = join(repository, 'vitest.config.ts');
    const run = spawnSync(bin('vitest'), ['run', '--config', config, '--root', root, '--reporter', 'json', '--outputFile', report, `subgraphs/${NAME}/src/${NAME}.test.ts`], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, APOLLO_TELEMETRY_DISABLED: '1' },
    });
    type Report = {
      numTotalTests: number;
      numPassedTests: number;
      testResults: Array<{ name: string; message?: string; assertionResults: Array<{ fullName: string; status: string; failureMessages: string[] }> }>;
    };
    const result = existsSync(report) ? (JSON.parse(readFileSync(report, 'utf8')) as Report) : undefined;
    const failures = result?.testResults.flatMap((file) => [
      ...(file.message ? [file.message] : []),
      ...file.assertionResults.filter((a) => a.status !== 'passed').map((a) => `${a.fullName}: ${a.failureMessages.join('\n')}`),
    ]);
    expect(run.status, failures?.join('\n\n') || `${run.stdout}${run.stderr}`).toBe(0);
    if (!result) throw new Error(`vitest wrote no report: ${run.stdout}${run.stderr}`);
    expect(result.testResults.map((r) => r.name)).toEqual([join(root, 'subgraphs', NAME, 'src', `${NAME}.test.ts`)]);
    expect(result.numTotalTests).toBeGreaterThanOrEqual(5);
    expect(result.numPassedTests).toBe(result.numTotalTests);
  });

  it("the generated code typechecks under the project's strict tsconfig", () => {
    writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ extends: join(repository, 'tsconfig.json'), include: ['subgraphs'], exclude: ['node_modules'] }));
    const run = spawnSync(bin('tsc'), ['--noEmit', '-p', join(root, 'tsconfig.json')], { cwd: root, encoding: 'utf8' });
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
  });
});

describe('the generated subgraph in the network', () => {
  const folder = () => join(root, 'subgraphs', NAME);
  const withCheckDigit = (digits: string) => `${digits}${computeCheckDigit(digits)}`;
  const partnerOf = (key: string, role: Identity['role'], companyPrefix: string): Identity => ({
    sub: `ops@${key}`,
    partner: withCheckDigit(`${companyPrefix}00000`.slice(0, 12)),
    role,
    scope: [],
    companyPrefix,
  });
  const carrier = partnerOf('carrier', 'distributor', '4045678');
  const stranger = partnerOf('stranger', 'distributor', '4056789');
  const unit = { gtin: withCheckDigit('0406123400001'), serial: 'THROWAWAY-1' };

  let supergraph: string;
  let auth: AuthConfig;
  let keysDir: string;
  const databases: Database[] = [];
  const nodes: RunningSubgraph[] = [];
  let gateway: RunningGateway | undefined;

  beforeAll(async () => {
    expect(cli.status, cli.output).toBe(0);
    supergraph = composeSupergraph([
      ...SUBGRAPHS.map((s) => ({ name: s.name, url: `http://localhost:${s.port}/graphql`, sdl: subgraphSdl(s.name) })),
      { name: NAME, url: 'http://localhost:4999/graphql', sdl: subgraphSdlText(readFileSync(join(folder(), 'schema.graphql'), 'utf8')) },
    ]);
    keysDir = mkdtempSync(join(tmpdir(), 'tracefed-auth-'));
    const manufacturer = await loadSubgraphModule('manufacturer');
    const throwaway = await loadSubgraphModule(NAME, folder());
    const [a, mdb, tdb] = await Promise.all([
      devAuthConfig(keysDir),
      openTestDatabase(manufacturer.migrationsFolder, 'manufacturer'),
      openTestDatabase(throwaway.migrationsFolder, NAME),
    ]);
    auth = a;
    databases.push(mdb, tdb);
    nodes.push(...(await Promise.all([startSubgraph(manufacturer.definition, mdb, { auth }), startSubgraph(throwaway.definition, tdb, { auth })])));
    gateway = await startGateway({
      supergraphSdl: supergraph,
      auth,
      subgraphUrls: Object.fromEntries(nodes.map((n) => [n.name, n.url])),
      rateLimit: { perMinute: 1_000_000, burst: 1_000_000 },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await Promise.all(nodes.map((n) => n.stop()));
    await Promise.all(databases.map((d) => d.close()));
    if (keysDir) rmSync(keysDir, { recursive: true, force: true });
  });

  it('composes with the real subgraphs: the field is routed to it, and the gateway takes its <NAME>_URL', () => {
    expect(supergraph).toMatch(new RegExp(`${FIELD}: Int @join__field\\(graph: THROWAWAY\\)`));
    expect(supergraphSubgraphs(supergraph).map((s) => s.name).sort()).toEqual([...SUBGRAPHS.map((s) => s.name), NAME].sort());
    expect(subgraphUrlsFromEnv(supergraph, { THROWAWAY_URL: 'http://throwaway:4999/graphql', MANUFACTURER_URL: 'http://m/graphql', UNRELATED_URL: 'x' })).toEqual({
      manufacturer: 'http://m/graphql',
      throwaway: 'http://throwaway:4999/graphql',
    });
  });

  it('takes a capture from a partner of its role, and the gateway joins its field onto the unit, authorized', async () => {
    const node = nodes.find((n) => n.name === NAME)!;
    const capture = await fetch(new URL('/epcis/capture', node.url), {
      method: 'POST',
      headers: { 'content-type': 'application/ld+json', authorization: `Bearer ${await auth.dev!.issue(carrier)}` },
      body: JSON.stringify({
        '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'],
        type: 'EPCISDocument',
        schemaVersion: '2.0',
        creationDate: '2026-06-01T08:00:00Z',
        epcisBody: {
          eventList: [
            {
              type: 'ObjectEvent',
              eventTime: '2026-06-01T08:00:00+02:00',
              eventTimeZoneOffset: '+02:00',
              action: 'OBSERVE',
              bizStep: 'inspecting',
              epcList: [`https://id.gs1.org/01/${unit.gtin}/21/${unit.serial}`],
              readPoint: { id: `https://id.gs1.org/414/${carrier.partner}` },
            },
          ],
        },
      }),
    });
    expect(capture.status, await capture.clone().text()).toBe(202);

    const ask = async (as: Identity) => {
      const response = await fetch(gateway!.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await auth.dev!.issue(as)}` },
        body: JSON.stringify({ query: `query ($gtin: String!, $serial: String!) { unit(gtin: $gtin, serial: $serial) { gtin serial ${FIELD} } }`, variables: unit }),
      });
      return (await response.json()) as { data?: { unit: Record<string, unknown> | null }; errors?: Array<{ message: string; extensions?: { code?: string } }> };
    };
    const seen = await ask(carrier);
    expect(seen.errors).toBeUndefined();
    expect(seen.data?.unit).toEqual({ ...unit, [FIELD]: 1 });
    const refused = await ask(stranger);
    expect(refused.data?.unit).toEqual({ ...unit, [FIELD]: null });
    expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });
});

describe('registration (on copies of the files it edits)', () => {
  const copies: string[] = [];
  let copy: string;
  const spec: SubgraphSpec = { name: NAME, port: 4999, role: 'distributor', nodeRole: 'DISTRIBUTOR', nodeRoleIsOwn: true };
  const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8');

  /** A temporary project: copies of the files registration edits, the link to node_modules, and the generated subgraph. */
  function copyProject(): string {
    const dir = mkdtempSync(join(tmpdir(), 'tracefed-registration-'));
    copies.push(dir);
    for (const { path } of REGISTRATION) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      copyFileSync(join(repository, path), join(dir, path));
    }
    // The registry copy resolves @tracefed/kit and finds the generated subgraph beside it.
    symlinkSync(join(repository, 'node_modules'), join(dir, 'node_modules'), 'dir');
    execFileSync('cp', ['-r', join(root, 'subgraphs'), join(dir, 'subgraphs')]);
    return dir;
  }

  beforeAll(() => {
    copy = copyProject();
  });
  afterAll(() => {
    for (const dir of copies) rmSync(dir, { recursive: true, force: true });
  });

  it('adds the subgraph to the registry, the workspaces, docker-compose, the database init script and the Dockerfile', async () => {
    const written = registerSubgraph(copy, spec);
    expect(written).toEqual(REGISTRATION.map((r) => r.path));
    const readCopy = (path: string) => read(copy, path);

    // The registry: one more line, and its loader finds the new node's module.
    const registry = (await import(pathToFileURL(join(copy, 'schema/subgraphs.ts')).href)) as typeof import('../schema/subgraphs.ts');
    expect(registry.SUBGRAPHS.map((s) => ({ name: s.name, port: s.port }))).toEqual([
      ...SUBGRAPHS.map((s) => ({ name: s.name, port: s.port })),
      { name: NAME, port: spec.port },
    ]);
    const loaded = await registry.loadSubgraphModule(NAME);
    expect(loaded.definition.captureRoles).toEqual(['distributor']);
    expect(registry.subgraphSdl(NAME)).toContain(`${FIELD}: Int`);

    const workspaces = JSON.parse(readCopy('package.json')).workspaces as string[];
    const original = JSON.parse(readFileSync(join(repository, 'package.json'), 'utf8')).workspaces as string[];
    expect(workspaces.filter((w) => w !== `subgraphs/${NAME}`)).toEqual(original);
    expect(workspaces.indexOf(`subgraphs/${NAME}`)).toBe(original.findLastIndex((w) => w.startsWith('subgraphs/')) + 1);

    const compose = readCopy('docker-compose.yml');
    expect(compose).toContain(`  ${NAME}:\n    <<: *tracefed\n    command: ["node", "dist/subgraphs/${NAME}/src/main.js"]`);
    expect(compose).toContain(`      PORT: "${spec.port}"\n      THROWAWAY_DATABASE_URL: postgres://`);
    const gatewayBlock = compose.slice(compose.indexOf('\n  gateway:\n'));
    expect(gatewayBlock).toContain(`      THROWAWAY_URL: http://${NAME}:${spec.port}/graphql\n`);
    expect(gatewayBlock).toMatch(new RegExp(`depends_on:\\n(.*\\n)*      ${NAME}:\\n        condition: service_healthy\\n    ports:`));
    const dockerCompose = spawnSync('docker-compose', ['-f', join(copy, 'docker-compose.yml'), 'config'], { encoding: 'utf8' });
    if (!dockerCompose.error) {
      // Where docker-compose is installed (CI installs it), the edited file must still be a valid compose file.
      expect(dockerCompose.status, dockerCompose.stderr).toBe(0);
      expect(dockerCompose.stdout).toContain(`THROWAWAY_URL: http://${NAME}:${spec.port}/graphql`);
    }

    expect(readCopy('docker/postgres-init.sql').trimEnd().split('\n').at(-1)).toBe(`CREATE DATABASE "${NAME}";`);
    expect(readCopy('Dockerfile')).toContain(`COPY subgraphs/${NAME}/package.json subgraphs/${NAME}/\nCOPY gateway/package.json gateway/`);
    expect(readCopy('Dockerfile')).toMatch(new RegExp(`^EXPOSE .* ${spec.port}$`, 'm'));
  });

  it('refuses to register a subgraph twice, and then writes nothing', () => {
    const before = REGISTRATION.map((r) => read(copy, r.path));
    expect(() => registerSubgraph(copy, spec)).toThrow(`schema/subgraphs.ts lists subgraph ${NAME} already`);
    expect(REGISTRATION.map((r) => read(copy, r.path))).toEqual(before);
  });

  it('--existing registers a node written by hand wherever it is missing, on the port the registry gives it, and only once', () => {
    const project = copyProject();
    // By hand: the registry line only, as a helper adding a node without the generator would write it.
    const registry = REGISTRATION.find((r) => r.path === 'schema/subgraphs.ts')!;
    writeFileSync(join(project, registry.path), registry.add(read(project, registry.path), { name: NAME, port: 4998 }));
    const planned = planExisting(parseArguments([NAME, '--existing', '--root', project]));
    expect(planned).toEqual({ name: NAME, port: 4998 });
    expect(() => planExisting(parseArguments([NAME, '--existing', '--root', project, '--port', '4997']))).toThrow(`--port 4997: schema/subgraphs.ts lists ${NAME} on port 4998`);
    expect(() => planExisting(parseArguments(['nosuch', '--existing', '--root', project]))).toThrow(/--existing: .*subgraphs\/nosuch\/src\/index.ts does not exist/);
    expect(() => parseArguments([NAME, '--existing', '--no-register'])).toThrow(NewSubgraphError);

    const registryBefore = read(project, registry.path);
    expect(registerSubgraph(project, planned, { skipRegistered: true })).toEqual(REGISTRATION.filter((r) => r !== registry).map((r) => r.path));
    expect(read(project, registry.path)).toBe(registryBefore);
    expect(read(project, 'docker-compose.yml')).toContain(`      THROWAWAY_URL: http://${NAME}:4998/graphql\n`);
    for (const r of REGISTRATION) expect(r.has(read(project, r.path), planned), r.path).toBe(true);
    expect(registerSubgraph(project, planned, { skipRegistered: true })).toEqual([]);
  });
});
