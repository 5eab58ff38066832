/**
 * The files of a new partner subgraph, as `npm run new-subgraph` writes them (see scripts/new-subgraph.ts
 * and docs/EXTENDING.md). Pure: text in, text out. The generated node uses only the kit and the root's
 * npm dependencies, so it builds, composes and passes its own test the moment it is written.
 */
import type { Role } from '@tracefed/kit/auth/identity';

export interface SubgraphSpec {
  /** Lowercase letters: the folder, the supergraph's subgraph name, the docker-compose service. */
  name: string;
  /** Port in `npm start` and docker-compose. */
  port: number;
  /** The partner role that captures EPCIS events into the node (SubgraphDefinition.captureRoles). */
  role: Role;
  /** How a merged custody chain names the node's events: a value of the kit's NodeRole enum. */
  nodeRole: string;
  /** Whether the kit's NodeRole enum has a value for the role (false: nodeRole is a stand-in). */
  nodeRoleIsOwn: boolean;
}

/** The example field the template adds to SerializedUnit: `<name>EventCount`. */
export const exampleField = (name: string) => `${name}EventCount`;

/**
 * Every file of the subgraph, by path relative to the repository root. The migrations are not here:
 * drizzle-kit generates them from src/db/schema.ts (the list of kit tables is given by the caller, so
 * the template follows the kit when it gains a table).
 */
export function subgraphFiles(spec: SubgraphSpec, kitTables: readonly string[]): Record<string, string> {
  const { name, port, role } = spec;
  const field = exampleField(name);
  const dir = `subgraphs/${name}`;
  return {
    [`${dir}/package.json`]: `${JSON.stringify(
      { name: `@tracefed/${name}`, version: '0.1.0', private: true, type: 'module', exports: { '.': './src/index.ts' } },
      null,
      2,
    )}\n`,

    [`${dir}/drizzle.config.ts`]: `import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './${dir}/src/db/schema.ts',
  out: './${dir}/src/db/migrations',
});
`,

    [`${dir}/schema.graphql`]: `extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@inaccessible"])

"""
A serialized pack (GTIN + serial, AI 01 + 21), as the ${name} node knows it. Every node keys it the same
way, so the gateway joins what each node knows about one pack into one object.
"""
type SerializedUnit @key(fields: "gtin serial") {
  gtin: String!
  serial: String!
  """
  How many EPCIS events the ${name} node holds that name this pack. The partners that recorded them, the
  pack's manufacturer, investigators and regulators may see it; anyone else gets null and a FORBIDDEN error.
  """
  ${field}: Int
}
`,

    [`${dir}/src/index.ts`]: `import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SubgraphDefinition } from '@tracefed/kit/server/subgraph';
import { createContext, NODE_ROLE, type Context } from './context.ts';
import { SerializedUnit } from './resolvers/SerializedUnit.ts';

export const name = '${name}';
export const sdl = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
/** Absolute path of this node's drizzle-kit migrations. */
export const migrationsFolder = fileURLToPath(new URL('./db/migrations', import.meta.url));

export const resolvers = { SerializedUnit };

/** The ${name} subgraph: side-effect free; main.ts (or a test) opens the database and serves it. */
export const definition: SubgraphDefinition<Context> = {
  name,
  node: NODE_ROLE,
  sdl,
  resolvers: resolvers as never,
  createContext,
  // Who may POST /epcis/capture here (kit/src/auth/capture.ts): partners of these roles, for events at their own locations.
  captureRoles: ['${role}'],
};
`,

    [`${dir}/src/main.ts`]: `// The ${name} node's entry point: the only file that reads the environment and listens.
import { runSubgraphFromEnv } from '@tracefed/kit/server/main';
import { definition, migrationsFolder } from './index.ts';

await runSubgraphFromEnv(definition, migrationsFolder, ${port});
`,

    [`${dir}/src/context.ts`]: `import type { Identity } from '@tracefed/kit/auth/identity';
import type { Database } from '@tracefed/kit/db/connection';
import type { NodeContext, NodeRole } from '@tracefed/kit/graphql/resolvers';
import { createLoaders, type Loaders } from './loaders.ts';
import { createRepository, type Repository } from './repository.ts';

${
  spec.nodeRoleIsOwn
    ? `/** How a merged custody chain names this node's events (the kit's NodeRole enum). */`
    : `/**
 * How a merged custody chain would name this node's events. The kit's NodeRole enum has no value for
 * ${role} partners yet, and this node serves no custody fields, so nothing reads it; give the node its
 * own value before it joins the custody chain (docs/EXTENDING.md, "Joining the custody chain").
 */`
}
export const NODE_ROLE: NodeRole = '${spec.nodeRole}';

export interface Context extends NodeContext {
  loaders: Loaders;
  repository: Repository;
}

/** A fresh context per request: new DataLoaders, so nothing is cached across requests or callers. */
export function createContext(database: Database, identity: Identity): Context {
  const repository = createRepository(database.db);
  return { node: NODE_ROLE, identity, loaders: createLoaders(repository), repository };
}
`,

    [`${dir}/src/repository.ts`]: `import { queryRows, sql, type Executor } from '@tracefed/kit/db/connection';
import { createEventRepository } from '@tracefed/kit/epcis/repository';

/** What this node recorded about one pack. */
export interface EventSummary {
  /** The pack's canonical key (kit/src/gs1: unitKey(gtin, serial)). */
  unitKey: string;
  /** How many of this node's events name the pack; retracted events (error declarations) do not count. */
  events: number;
  /** The GLNs of the partners that recorded those events. */
  recordedBy: string[];
}

/** The ${name} node's queries: the shared EPCIS event store plus this node's own. The only place that builds SQL. */
export function createRepository(db: Executor) {
  return {
    ...createEventRepository(db),
    /** One statement for any number of packs; packs this node never saw are absent. */
    async eventSummaries(unitKeys: readonly string[]): Promise<EventSummary[]> {
      if (unitKeys.length === 0) return [];
      const rows = await queryRows<{ unit_key: string; events: number; recorded_by: string[] }>(
        db,
        sql\`SELECT x.epc_key AS unit_key, count(DISTINCT e.id)::int AS events, array_agg(DISTINCT e.owner_gln) AS recorded_by
            FROM event_epc x JOIN epcis_event e ON e.id = x.event_pk
            WHERE x.epc_key = ANY(\${sql.param([...unitKeys])}::text[]) AND e.error_declaration IS NULL
            GROUP BY x.epc_key\`,
      );
      return rows.map((r) => ({ unitKey: r.unit_key, events: r.events, recordedBy: r.recorded_by }));
    },
  };
}

export type Repository = ReturnType<typeof createRepository>;
`,

    [`${dir}/src/loaders.ts`]: `import DataLoader from 'dataloader';
import { createCoreLoaders } from '@tracefed/kit/graphql/loaders';
import type { EventSummary, Repository } from './repository.ts';

/** Per-request DataLoaders for the ${name} node: a request about a thousand packs costs one statement per loader. */
export function createLoaders(repo: Repository) {
  return {
    ...createCoreLoaders(repo),
    /** What this node recorded about each pack, by canonical unit key, in key order (zero events for a pack it never saw). */
    eventSummaryByUnitKey: new DataLoader<string, EventSummary>(async (keys) => {
      const found = new Map((await repo.eventSummaries(keys)).map((s) => [s.unitKey, s]));
      return keys.map((key) => found.get(key) ?? { unitKey: key, events: 0, recordedBy: [] });
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
`,

    [`${dir}/src/resolvers/SerializedUnit.ts`]: `import { requireAccess } from '@tracefed/kit/auth/guard';
import { canSeeCustody } from '@tracefed/kit/auth/policy';
import { unitKey } from '@tracefed/kit/gs1/index';
import type { Context } from '../context.ts';

/** A SerializedUnit as the gateway refers to it (its @key fields). */
interface UnitRef {
  gtin: string;
  serial: string;
}

export const SerializedUnit = {
  async ${field}(unit: UnitRef, _args: unknown, ctx: Context): Promise<number> {
    const summary = await ctx.loaders.eventSummaryByUnitKey.load(unitKey(unit.gtin, unit.serial));
    // The custody rule of the authorization table (kit/src/auth/policy.ts), decided from this node's own
    // records: refused, the field is null with a FORBIDDEN error that reveals nothing of the count.
    requireAccess(canSeeCustody(ctx.identity, { gtin: unit.gtin, partiesInvolved: summary.recordedBy }), 'SerializedUnit.${field}');
    return summary.events;
  },
};
`,

    [`${dir}/src/db/schema.ts`]: `// The ${name} node's tables. The EPCIS event store and master data come from the kit; tables
// that only this node keeps are added here, and drizzle-kit generates its migrations
// (\`npm run migrations:generate\`).
export { ${kitTables.join(', ')} } from '@tracefed/kit/epcis/tables';
`,

    [`${dir}/src/${name}.test.ts`]: testFile(spec),
  };
}

function testFile({ name, role }: SubgraphSpec): string {
  const field = exampleField(name);
  return `/**
 * The ${name} subgraph on its own, over real HTTP: a partner captures an EPCIS document into it, and the
 * example field answers through _entities, as the gateway asks, for the callers the rule lets through.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devAuthConfig, type AuthConfig } from '@tracefed/kit/auth/config';
import { ROLES, type Identity } from '@tracefed/kit/auth/identity';
import { IDENTITY_HEADER } from '@tracefed/kit/auth/tokens';
import { openDatabase, type Database } from '@tracefed/kit/db/connection';
import { computeCheckDigit } from '@tracefed/kit/gs1/index';
import { startSubgraph, type RunningSubgraph } from '@tracefed/kit/server/subgraph';
import { definition, migrationsFolder } from './index.ts';

const withCheckDigit = (digits: string) => \`\${digits}\${computeCheckDigit(digits)}\`;
const partner = (sub: string, role: Identity['role'], companyPrefix: string): Identity => ({
  sub,
  partner: withCheckDigit(\`\${companyPrefix}00000\`.slice(0, 12)),
  role,
  scope: [],
  companyPrefix,
});

/** A partner whose role captures into this node, one of the same role that recorded nothing, an authority. */
const recorder = partner('ops@recorder', '${role}', '4012345');
const stranger = partner('ops@stranger', '${role}', '4023456');
const regulator = partner('inspector@authority', 'regulator', '4099990');
const otherRole = ROLES.find((r) => !(definition.captureRoles ?? [definition.name]).includes(r)) as Identity['role'];

const units = [
  { gtin: withCheckDigit('0401234500001'), serial: 'TEMPLATE-1' },
  { gtin: withCheckDigit('0401234500001'), serial: 'TEMPLATE-2' },
];
const document = (by: Identity, eventID: string) => ({
  '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'],
  type: 'EPCISDocument',
  schemaVersion: '2.0',
  creationDate: '2026-05-01T10:00:00Z',
  epcisBody: {
    eventList: [
      {
        type: 'ObjectEvent',
        eventID,
        eventTime: '2026-05-01T10:00:00+02:00',
        eventTimeZoneOffset: '+02:00',
        action: 'OBSERVE',
        bizStep: 'inspecting',
        epcList: [\`https://id.gs1.org/01/\${units[0]!.gtin}/21/\${units[0]!.serial}\`],
        readPoint: { id: \`https://id.gs1.org/414/\${by.partner}\` },
      },
    ],
  },
});

let keysDir: string;
let auth: AuthConfig;
let database: Database;
let node: RunningSubgraph;

beforeAll(async () => {
  keysDir = mkdtempSync(join(tmpdir(), '${name}-auth-'));
  [auth, database] = await Promise.all([devAuthConfig(keysDir), openDatabase({ migrationsFolder })]);
  node = await startSubgraph(definition, database, { auth });
});
afterAll(async () => {
  await node?.stop();
  await database?.close();
  rmSync(keysDir, { recursive: true, force: true });
});

async function capture(by: Identity, body: unknown) {
  const response = await fetch(new URL('/epcis/capture', node.url), {
    method: 'POST',
    headers: { 'content-type': 'application/ld+json', authorization: \`Bearer \${await auth.dev!.issue(by)}\` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

/** Asks for the example field of the units the way the gateway does: _entities, with the gateway-signed identity. */
async function eventCounts(as: Identity, of = units) {
  const response = await fetch(node.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: await auth.signIdentity(as) },
    body: JSON.stringify({
      query: 'query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on SerializedUnit { gtin serial ${field} } } }',
      variables: { reps: of.map((u) => ({ __typename: 'SerializedUnit', ...u })) },
    }),
  });
  return (await response.json()) as { data?: { _entities: Array<{ ${field}: number | null } | null> }; errors?: any[] };
}

describe('${name} subgraph', () => {
  it('stores an EPCIS document captured by a ${role} at its own location', async () => {
    const reply = await capture(recorder, document(recorder, 'urn:uuid:6b1a5c0e-0000-4000-8000-000000000001'));
    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    expect(reply.body.counts.captured).toBe(1);
  });

  it('refuses a capture from a role that does not capture here (403), and stores nothing', async () => {
    const intruder = partner('ops@intruder', otherRole, '4034567');
    const reply = await capture(intruder, document(intruder, 'urn:uuid:6b1a5c0e-0000-4000-8000-000000000002'));
    expect(reply.status).toBe(403);
    expect(JSON.stringify(reply.body)).toContain(\`may not capture into the ${name} node\`);
    const counts = await eventCounts(regulator);
    expect(counts.data?._entities.map((u) => u?.${field})).toEqual([1, 0]);
  });

  it('answers ${field} to the partner that recorded the events', async () => {
    const mine = await eventCounts(recorder, [units[0]!]);
    expect(mine.errors).toBeUndefined();
    expect(mine.data?._entities[0]?.${field}).toBe(1);
  });

  it('answers authorities about many units with one statement (the DataLoader batches them)', async () => {
    database.statements.reset();
    const reply = await eventCounts(regulator);
    expect(reply.errors).toBeUndefined();
    expect(reply.data?._entities.map((u) => u?.${field})).toEqual([1, 0]);
    expect(database.statements.count).toBe(1);
  });

  it('withholds ${field} from a partner the rule does not let through: null and FORBIDDEN, nothing of the value', async () => {
    const reply = await eventCounts(stranger, [units[0]!]);
    expect(reply.data?._entities[0]?.${field}).toBeNull();
    expect(reply.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(reply.errors?.[0]?.message).not.toMatch(/\\d+ event/);
  });

  it('answers GraphQL only with the gateway-signed identity (401 without it)', async () => {
    const response = await fetch(node.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: \`Bearer \${await auth.dev!.issue(recorder)}\` },
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
    });
    expect(response.status).toBe(401);
  });
});
`;
}
