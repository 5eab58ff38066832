import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBreakingChanges } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import {
  apiSchemaOf,
  checkSupergraph,
  findApiBreakingChanges,
  formatSchemaCheck,
  readAcknowledgements,
  readBaseline,
  SchemaCheckInputError,
  type Acknowledgement,
} from './check.ts';
import { composeSupergraph, CompositionError } from './compose.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'tracefed-schema-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const link =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@inaccessible"])\n';

/** Two small subgraphs sharing an entity; every breaking-change case edits one of them. */
const ALPHA = `${link}
type Query {
  unit(gtin: String!, lot: String): Unit
  units(status: Status): [Unit!]!
  search(filter: UnitFilter): [Item!]!
}
input UnitFilter { gtin: String, site: String }
union Item = Unit | Dimensions
type Unit @key(fields: "gtin") {
  gtin: String!
  weight: Int!
  status: Status
  internalCode: String @inaccessible
}
enum Status { ACTIVE RECALLED }
type Dimensions @shareable { height: Int width: Int }
`;
const BETA = `${link}
type Query { dimensions(gtin: String!): Dimensions }
type Unit @key(fields: "gtin") {
  gtin: String!
  dimensions: Dimensions
}
type Dimensions @shareable { height: Int width: Int }
`;

const compose = (alpha: string, beta = BETA) =>
  composeSupergraph([
    { name: 'alpha', url: 'http://alpha.invalid/graphql', sdl: alpha },
    { name: 'beta', url: 'http://beta.invalid/graphql', sdl: beta },
  ]);

const baseline = compose(ALPHA);

function edit(sdl: string, from: string, to: string): string {
  if (!sdl.includes(from)) throw new Error(`test setup: ${JSON.stringify(from)} is not in the SDL`);
  return sdl.replace(from, to);
}

describe('composition errors name the code, the subgraphs and the coordinate', () => {
  it('a field typed Int in one subgraph and String in another (both @shareable) is caught', () => {
    const a = `${link}type Query { a: Unit } type Unit @key(fields: "id") { id: ID! weight: Int @shareable }`;
    const b = `${link}type Query { b: Unit } type Unit @key(fields: "id") { id: ID! weight: String @shareable }`;
    let caught: unknown;
    try {
      compose(a, b);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CompositionError);
    const error = caught as CompositionError;
    expect(error.problems).toEqual([
      expect.objectContaining({ code: 'FIELD_TYPE_MISMATCH', subgraphs: ['alpha', 'beta'], coordinate: 'Unit.weight' }),
    ]);
    expect(error.message).toContain('FIELD_TYPE_MISMATCH in subgraphs alpha, beta at Unit.weight');
    expect(error.message).toContain('type "Int" in subgraph "alpha" but type "String" in subgraph "beta"');
  });

  it('names the subgraphs of a non-shareable field, which composition attaches to no schema node', () => {
    const a = `${link}type Query { a: Unit } type Unit @key(fields: "id") { id: ID! weight: Int }`;
    const b = `${link}type Query { b: Unit } type Unit @key(fields: "id") { id: ID! weight: Int }`;
    expect(() => compose(a, b)).toThrow(/INVALID_FIELD_SHARING in subgraphs alpha, beta at Unit\.weight/);
  });

  it('names the one subgraph whose own schema is invalid', () => {
    const a = `${link}type Query { a: Unit } type Unit @key(fields: "sku") { id: ID! }`;
    expect(() => compose(a)).toThrow(/KEY_INVALID_FIELDS in subgraph alpha at Unit:/);
  });

  it('names the subgraph whose SDL does not parse, with the line', () => {
    expect(() => compose(ALPHA, 'type Query { b: Int')).toThrow(/INVALID_GRAPHQL in subgraph beta:\n\s+beta SDL line 1, column 20/);
  });
});

/** Breaking changes from `baseline` to `after`, as [change, coordinate] pairs. */
async function breakingChanges(after: string) {
  const changes = findApiBreakingChanges(await apiSchemaOf(baseline), await apiSchemaOf(after));
  return changes.map((c) => [c.change, c.coordinate]);
}

describe('the schema check reports breaking changes of the API schema', () => {
  const cases: Array<[string, string, Array<[string, string]>]> = [
    ['a removed field', edit(ALPHA, '  weight: Int!\n', ''), [['FIELD_REMOVED', 'Unit.weight']]],
    ['an argument made required', edit(ALPHA, 'lot: String)', 'lot: String!)'), [['ARG_CHANGED_KIND', 'Query.unit(lot:)']]],
    ['a required argument added', edit(ALPHA, 'units(status: Status)', 'units(status: Status, site: String!)'), [['REQUIRED_ARG_ADDED', 'Query.units(site:)']]],
    ['a removed argument', edit(ALPHA, 'units(status: Status)', 'units'), [['ARG_REMOVED', 'Query.units(status:)']]],
    ['a removed enum value', edit(ALPHA, 'ACTIVE RECALLED', 'ACTIVE'), [['VALUE_REMOVED_FROM_ENUM', 'Status.RECALLED']]],
    ['a non-null field made nullable', edit(ALPHA, 'weight: Int!', 'weight: Int'), [['FIELD_CHANGED_KIND', 'Unit.weight']]],
    ['a list made nullable', edit(ALPHA, '[Unit!]!', '[Unit!]'), [['FIELD_CHANGED_KIND', 'Query.units']]],
    ['a field changing type', edit(ALPHA, 'weight: Int!', 'weight: String!'), [['FIELD_CHANGED_KIND', 'Unit.weight']]],
    ['a required input field added', edit(ALPHA, 'site: String }', 'site: String, lot: String! }'), [['REQUIRED_INPUT_FIELD_ADDED', 'UnitFilter.lot']]],
    ['an input field made required', edit(ALPHA, 'site: String }', 'site: String! }'), [['FIELD_CHANGED_KIND', 'UnitFilter.site']]],
    ['a member removed from a union', edit(ALPHA, 'Item = Unit | Dimensions', 'Item = Unit'), [['TYPE_REMOVED_FROM_UNION', 'Dimensions in Item']]],
    ['a type changing kind', edit(ALPHA, 'enum Status { ACTIVE RECALLED }', 'scalar Status'), [['TYPE_CHANGED_KIND', 'Status']]],
    [
      'a field hidden with @inaccessible (clients no longer see it)',
      edit(ALPHA, 'weight: Int!', 'weight: Int! @inaccessible'),
      [['FIELD_REMOVED', 'Unit.weight']],
    ],
  ];

  it.each(cases)('%s', async (_, alpha, expected) => {
    expect(await breakingChanges(compose(alpha))).toEqual(expected);
  });

  it('a type removed from the whole graph, with the fields that returned it', async () => {
    const alpha = edit(edit(ALPHA, 'type Dimensions @shareable { height: Int width: Int }\n', ''), 'Item = Unit | Dimensions', 'Item = Unit');
    const beta = `${link}type Query { b: Int } type Unit @key(fields: "gtin") { gtin: String! }`;
    expect(await breakingChanges(compose(alpha, beta))).toEqual([
      ['TYPE_REMOVED', 'Dimensions'],
      ['TYPE_REMOVED_FROM_UNION', 'Dimensions in Item'],
      ['FIELD_REMOVED', 'Query.dimensions'],
      ['FIELD_REMOVED', 'Unit.dimensions'],
    ]);
  });

  it('agrees with graphql-js findBreakingChanges on every case', async () => {
    const before = await apiSchemaOf(baseline);
    for (const [name, alpha] of cases) {
      const after = await apiSchemaOf(compose(alpha));
      const ours = findApiBreakingChanges(before, after).map((c) => c.change).sort();
      const theirs = findBreakingChanges(before, after).map((c) => String(c.type)).sort();
      expect(ours, name).toEqual(theirs);
    }
  });

  it('passes non-breaking changes: a nullable field, an optional argument or input field, a tighter output, a new enum value, a hidden field removed', async () => {
    let alpha = edit(ALPHA, '  status: Status\n', '  status: Status\n  expiry: String\n');
    alpha = edit(alpha, 'units(status: Status)', 'units(status: Status, site: String)');
    alpha = edit(alpha, '  status: Status\n', '  status: Status!\n');
    alpha = edit(alpha, '  internalCode: String @inaccessible\n', '');
    alpha = edit(alpha, 'ACTIVE RECALLED', 'ACTIVE RECALLED QUARANTINED');
    alpha = edit(alpha, 'site: String }', 'site: String, lot: String }');
    alpha = edit(alpha, 'gtin: String, site', 'gtin: String = "", site');
    expect(await breakingChanges(compose(alpha))).toEqual([]);
  });
});

describe('acknowledgements', () => {
  const removed = compose(edit(edit(ALPHA, '  weight: Int!\n', ''), 'lot: String)', 'lot: String!)'));

  it('an unacknowledged change fails the check and the report says how to acknowledge it', async () => {
    const result = await checkSupergraph({ supergraphSdl: removed, baselineSdl: baseline, baseline: 'the test baseline', acknowledgements: [] });
    expect(result.unacknowledged.map((c) => c.coordinate)).toEqual(['Query.unit(lot:)', 'Unit.weight']);
    const report = formatSchemaCheck(result, join(tmp, 'none.json'));
    expect(report).toContain('FIELD_REMOVED Unit.weight: field Unit.weight was removed');
    expect(report).toContain('ARG_CHANGED_KIND Query.unit(lot:): argument Query.unit(lot:) changed type from String to String!');
    expect(report).toContain('{"change":"FIELD_REMOVED","coordinate":"Unit.weight","reason":"<why clients can take this>"');
    expect(report).toContain('--acknowledge');
  });

  it('the same changes pass when a temp acknowledgement file names them', async () => {
    const file = join(tmp, 'acknowledged.json');
    const entries: Acknowledgement[] = [
      { change: 'FIELD_REMOVED', coordinate: 'Unit.weight', reason: 'weight moved to Dimensions', date: '2026-11-28' },
      { change: 'ARG_CHANGED_KIND', coordinate: 'Query.unit(lot:)', reason: 'a unit is looked up per lot', date: '2026-11-28' },
      { change: 'TYPE_REMOVED', coordinate: 'Gone', reason: 'already in the baseline', date: '2026-01-02' },
    ];
    writeFileSync(file, JSON.stringify(entries));
    const result = await checkSupergraph({
      supergraphSdl: removed,
      baselineSdl: baseline,
      baseline: 'the test baseline',
      acknowledgements: readAcknowledgements(file),
    });
    expect(result.unacknowledged).toEqual([]);
    expect(result.acknowledged.map((c) => c.acknowledgement.reason)).toEqual(['a unit is looked up per lot', 'weight moved to Dimensions']);
    expect(result.unmatched).toEqual([entries[2]]);
    expect(formatSchemaCheck(result, file)).toMatch(/acknowledged 2026-11-28: weight moved to Dimensions\n\s+FIELD_REMOVED Unit.weight/);
  });

  it('an acknowledgement of another coordinate or another kind of change does not count', async () => {
    const result = await checkSupergraph({
      supergraphSdl: removed,
      baselineSdl: baseline,
      baseline: 'the test baseline',
      acknowledgements: [
        { change: 'FIELD_CHANGED_KIND', coordinate: 'Unit.weight', reason: 'wrong kind', date: '2026-11-28' },
        { change: 'ARG_CHANGED_KIND', coordinate: 'Query.unit(gtin:)', reason: 'wrong argument', date: '2026-11-28' },
      ],
    });
    expect(result.unacknowledged.map((c) => `${c.change} ${c.coordinate}`)).toEqual([
      'ARG_CHANGED_KIND Query.unit(lot:)',
      'FIELD_REMOVED Unit.weight',
    ]);
  });

  it.each([
    ['{ "change": "FIELD_REMOVED" }', /must hold a JSON array/],
    ['[{ "change": "FIELD_GONE", "coordinate": "A.b", "reason": "r", "date": "2026-11-28" }]', /entry 1: "change" is "FIELD_GONE", expected one of TYPE_REMOVED/],
    ['[{ "change": "FIELD_REMOVED", "coordinate": "", "reason": "r", "date": "2026-11-28" }]', /entry 1: "coordinate" must be a non-empty string/],
    ['[{ "change": "FIELD_REMOVED", "coordinate": "A.b", "date": "2026-11-28" }]', /entry 1: "reason" must be a non-empty string/],
    ['[{ "change": "FIELD_REMOVED", "coordinate": "A.b", "reason": "r", "date": "2026-02-30" }]', /entry 1: "date" is "2026-02-30", expected a date as YYYY-MM-DD/],
    ['[{ "change": "FIELD_REMOVED", "coordinate": "A.b", "reason": "r", "date": "2026-13-01" }]', /entry 1: "date" is "2026-13-01"/],
    ['[', /is not valid JSON/],
  ])('a malformed acknowledgement file is refused: %s', (text, message) => {
    const file = join(tmp, 'malformed.json');
    writeFileSync(file, text);
    expect(() => readAcknowledgements(file)).toThrow(SchemaCheckInputError);
    expect(() => readAcknowledgements(file)).toThrow(message);
  });
});

describe('the committed graph', () => {
  it('the current subgraphs have no unacknowledged breaking change against the committed supergraph', async () => {
    const committed = readBaseline();
    expect(committed, 'schema/supergraph.graphql exists').toBeDefined();
    const result = await checkSupergraph({
      supergraphSdl: composeSupergraph(),
      baselineSdl: committed!.sdl,
      baseline: committed!.source,
      acknowledgements: readAcknowledgements(),
    });
    expect(result.unacknowledged, formatSchemaCheck(result)).toEqual([]);
  });
});

function run(script: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', script, ...args],
      { cwd: root, env: { ...process.env, APOLLO_TELEMETRY_DISABLED: '1' } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

describe('the commands', () => {
  // A baseline that is the current composition plus one field: the only difference is that field's removal.
  const current = composeSupergraph();
  const withExtraField = current.replace(/(\ntype SerializedUnit\n(?: {2}@join__type[^\n]*\n)*\{\n)/, '$1  legacyCode: String\n');
  const baselineFile = join(tmp, 'baseline.graphql');
  writeFileSync(baselineFile, withExtraField);

  it('npm run schema:check exits 1 on an unacknowledged change, 0 once a file acknowledges it', async () => {
    expect(withExtraField).not.toBe(current);
    const emptyAcks = join(tmp, 'empty.json');
    writeFileSync(emptyAcks, '[]');
    const failed = await run('schema/check.ts', ['--baseline', baselineFile, '--acknowledgements', emptyAcks]);
    expect(failed.code, failed.output).toBe(1);
    expect(failed.output).toContain('FIELD_REMOVED SerializedUnit.legacyCode: field SerializedUnit.legacyCode was removed');
    expect(failed.output).toContain(`acknowledge each change in ${emptyAcks}`);

    const acks = join(tmp, 'cli-acks.json');
    writeFileSync(acks, '[]');
    const acknowledged = await run('schema/check.ts', ['--baseline', baselineFile, '--acknowledgements', acks, '--acknowledge', 'legacy codes retired']);
    expect(acknowledged.code, acknowledged.output).toBe(0);
    expect(readAcknowledgements(acks)).toEqual([
      expect.objectContaining({ change: 'FIELD_REMOVED', coordinate: 'SerializedUnit.legacyCode', reason: 'legacy codes retired' }),
    ]);
    const rerun = await run('schema/check.ts', ['--baseline', baselineFile, '--acknowledgements', acks]);
    expect(rerun.code, rerun.output).toBe(0);
    expect(rerun.output).toMatch(/acknowledged \d{4}-\d{2}-\d{2}: legacy codes retired\n\s+FIELD_REMOVED SerializedUnit.legacyCode/);
  });

  it('npm run compose refuses to write the supergraph over an unacknowledged change', async () => {
    const output = join(tmp, 'supergraph.graphql');
    const emptyAcks = join(tmp, 'compose-acks.json');
    writeFileSync(emptyAcks, '[]');
    const refused = await run('schema/compose.ts', ['--baseline', baselineFile, '--acknowledgements', emptyAcks, '--output', output]);
    expect(refused.code, refused.output).toBe(1);
    expect(refused.output).toContain(`${output} not written`);
    expect(existsSync(output)).toBe(false);

    writeFileSync(join(tmp, 'current.graphql'), current);
    const written = await run('schema/compose.ts', ['--baseline', join(tmp, 'current.graphql'), '--acknowledgements', emptyAcks, '--output', output]);
    expect(written.code, written.output).toBe(0);
    expect(readFileSync(output, 'utf8')).toBe(current);
  });

  it('bad arguments exit 2 with what was wrong', async () => {
    const result = await run('schema/check.ts', ['--against', 'no-such-ref-anywhere']);
    expect(result.code).toBe(2);
    expect(result.output).toContain('--against no-such-ref-anywhere: cannot read schema/supergraph.graphql at that git ref');
  });
});
