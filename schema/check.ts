/**
 * Schema check: compares the public API schema of the freshly composed supergraph with a baseline supergraph
 * and fails on breaking changes that schema/breaking-changes.json does not acknowledge.
 *   npm run schema:check                          baseline: schema/supergraph.graphql at git HEAD
 *   npm run schema:check -- --against <git-ref>   baseline: schema/supergraph.graphql at that ref
 *   npm run schema:check -- --baseline <file>     baseline: a supergraph file
 *   npm run schema:check -- --acknowledge "<why>" append every unacknowledged change to the file, with that reason
 * Exit codes: 0 no unacknowledged breaking change, 1 unacknowledged breaking change or composition failure,
 * 2 bad arguments or a malformed acknowledgement file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApolloGateway } from '@apollo/gateway';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNamedType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isSpecifiedScalarType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLInputField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type GraphQLType,
} from 'graphql';
import { composeSupergraph, supergraphPath } from './compose.ts';

/** The change kinds, named as graphql-js names its breaking changes so both read the same. */
export const BREAKING_CHANGE_KINDS = [
  'TYPE_REMOVED',
  'TYPE_CHANGED_KIND',
  'TYPE_REMOVED_FROM_UNION',
  'VALUE_REMOVED_FROM_ENUM',
  'REQUIRED_INPUT_FIELD_ADDED',
  'IMPLEMENTED_INTERFACE_REMOVED',
  'FIELD_REMOVED',
  'FIELD_CHANGED_KIND',
  'REQUIRED_ARG_ADDED',
  'ARG_REMOVED',
  'ARG_CHANGED_KIND',
  'DIRECTIVE_REMOVED',
  'DIRECTIVE_ARG_REMOVED',
  'REQUIRED_DIRECTIVE_ARG_ADDED',
  'DIRECTIVE_REPEATABLE_REMOVED',
  'DIRECTIVE_LOCATION_REMOVED',
] as const;
export type BreakingChangeKind = (typeof BREAKING_CHANGE_KINDS)[number];

/**
 * One change that can break a client operation that worked against the baseline. `coordinate` is what an
 * acknowledgement names: `Type`, `Type.field`, `Type.field(arg:)`, `Enum.VALUE`, `@directive`,
 * `@directive(arg:)`, and for membership `Member in Union`, `Type implements Interface`, `@directive on LOCATION`.
 */
export interface BreakingChange {
  change: BreakingChangeKind;
  coordinate: string;
  message: string;
}

export interface Acknowledgement {
  change: BreakingChangeKind;
  coordinate: string;
  reason: string;
  date: string;
}

export const acknowledgementsPath = fileURLToPath(new URL('./breaking-changes.json', import.meta.url));
const require = createRequire(import.meta.url);
const gatewayGraphql: typeof import('graphql') = createRequire(require.resolve('@apollo/gateway'))('graphql');
const projectRoot = fileURLToPath(new URL('../', import.meta.url));
/** The committed supergraph's path as git names it, relative to the project root (`./` keeps it so). */
const supergraphGitPath = './schema/supergraph.graphql';

/** Bad input to the check (arguments, baseline, acknowledgement file): exit code 2, not 1. */
export class SchemaCheckInputError extends Error {}

/**
 * The schema clients see: what the gateway serves for this supergraph (join and link machinery removed,
 * @inaccessible elements removed). Taken from the gateway itself so the check sees exactly what it serves.
 */
export async function apiSchemaOf(supergraphSdl: string, source = 'supergraph'): Promise<GraphQLSchema> {
  const gateway = new ApolloGateway({ supergraphSdl });
  try {
    const { schema } = await gateway.load();
    // The gateway builds its schema with the graphql module it requires, which is not always the instance
    // this file imports (vitest loads graphql's ESM build, the gateway its CommonJS one), and graphql's type
    // predicates refuse types from another instance. Printing with the gateway's graphql and building with
    // ours hands back a schema this file can inspect.
    return buildSchema(gatewayGraphql.printSchema(schema));
  } catch (error) {
    throw new SchemaCheckInputError(`${source} is not a valid supergraph: ${(error as Error).message}`);
  } finally {
    await gateway.stop().catch(() => undefined);
  }
}

function kindName(type: GraphQLNamedType): string {
  if (isScalarType(type)) return 'a scalar';
  if (isObjectType(type)) return 'an object type';
  if (isInterfaceType(type)) return 'an interface';
  if (isUnionType(type)) return 'a union';
  if (isEnumType(type)) return 'an enum';
  return 'an input object type';
}

/** Whether a field whose type was `before` can now have type `after` without breaking a selection of it. */
function outputTypeStillFits(before: GraphQLType, after: GraphQLType): boolean {
  if (isNonNullType(before)) return isNonNullType(after) && outputTypeStillFits(before.ofType, after.ofType);
  // A field may always become non-null: a client that handled null still works.
  if (isNonNullType(after)) return outputTypeStillFits(before, after.ofType);
  if (isListType(before)) return isListType(after) && outputTypeStillFits(before.ofType, after.ofType);
  return isNamedType(after) && after.name === before.name;
}

/** Whether an argument or input field whose type was `before` still accepts every value it accepted. */
function inputTypeStillFits(before: GraphQLType, after: GraphQLType): boolean {
  if (isNonNullType(before)) {
    // An argument may always become optional: a client that always sent it still works.
    return inputTypeStillFits(before.ofType, isNonNullType(after) ? after.ofType : after);
  }
  if (isNonNullType(after)) return false;
  if (isListType(before)) return isListType(after) && inputTypeStillFits(before.ofType, after.ofType);
  return isNamedType(after) && after.name === before.name;
}

const isRequired = (input: GraphQLArgument | GraphQLInputField) =>
  isNonNullType(input.type) && input.defaultValue === undefined;

function diffArguments(
  owner: string,
  before: readonly GraphQLArgument[],
  after: readonly GraphQLArgument[],
  kinds: { removed: BreakingChangeKind; changed?: BreakingChangeKind; requiredAdded: BreakingChangeKind },
): BreakingChange[] {
  const changes: BreakingChange[] = [];
  for (const old of before) {
    const coordinate = `${owner}(${old.name}:)`;
    const now = after.find((a) => a.name === old.name);
    if (!now) changes.push({ change: kinds.removed, coordinate, message: `argument ${coordinate} was removed` });
    else if (kinds.changed && !inputTypeStillFits(old.type, now.type)) {
      changes.push({
        change: kinds.changed,
        coordinate,
        message: `argument ${coordinate} changed type from ${String(old.type)} to ${String(now.type)}`,
      });
    }
  }
  for (const now of after) {
    if (isRequired(now) && !before.some((a) => a.name === now.name)) {
      const coordinate = `${owner}(${now.name}:)`;
      changes.push({
        change: kinds.requiredAdded,
        coordinate,
        message: `required argument ${coordinate} of type ${String(now.type)} was added`,
      });
    }
  }
  return changes;
}

function diffType(before: GraphQLNamedType, after: GraphQLNamedType): BreakingChange[] {
  const name = before.name;
  if (kindName(before) !== kindName(after)) {
    return [
      {
        change: 'TYPE_CHANGED_KIND',
        coordinate: name,
        message: `${name} changed from ${kindName(before)} to ${kindName(after)}`,
      },
    ];
  }
  const changes: BreakingChange[] = [];
  if (isEnumType(before) && isEnumType(after)) {
    for (const value of before.getValues()) {
      if (!after.getValue(value.name)) {
        changes.push({
          change: 'VALUE_REMOVED_FROM_ENUM',
          coordinate: `${name}.${value.name}`,
          message: `enum value ${name}.${value.name} was removed`,
        });
      }
    }
  }
  if (isUnionType(before) && isUnionType(after)) {
    for (const member of before.getTypes()) {
      if (!after.getTypes().some((t) => t.name === member.name)) {
        changes.push({
          change: 'TYPE_REMOVED_FROM_UNION',
          coordinate: `${member.name} in ${name}`,
          message: `${member.name} was removed from union ${name}`,
        });
      }
    }
  }
  if ((isObjectType(before) || isInterfaceType(before)) && (isObjectType(after) || isInterfaceType(after))) {
    for (const iface of before.getInterfaces()) {
      if (!after.getInterfaces().some((i) => i.name === iface.name)) {
        changes.push({
          change: 'IMPLEMENTED_INTERFACE_REMOVED',
          coordinate: `${name} implements ${iface.name}`,
          message: `${name} no longer implements ${iface.name}`,
        });
      }
    }
    const afterFields = after.getFields();
    for (const old of Object.values(before.getFields())) {
      const coordinate = `${name}.${old.name}`;
      const now = afterFields[old.name];
      if (!now) {
        changes.push({ change: 'FIELD_REMOVED', coordinate, message: `field ${coordinate} was removed` });
        continue;
      }
      if (!outputTypeStillFits(old.type, now.type)) {
        changes.push({
          change: 'FIELD_CHANGED_KIND',
          coordinate,
          message: `field ${coordinate} changed type from ${String(old.type)} to ${String(now.type)}`,
        });
      }
      changes.push(
        ...diffArguments(coordinate, old.args, now.args, {
          removed: 'ARG_REMOVED',
          changed: 'ARG_CHANGED_KIND',
          requiredAdded: 'REQUIRED_ARG_ADDED',
        }),
      );
    }
  }
  if (isInputObjectType(before) && isInputObjectType(after)) {
    const beforeFields = before.getFields();
    const afterFields = after.getFields();
    for (const old of Object.values(beforeFields)) {
      const coordinate = `${name}.${old.name}`;
      const now = afterFields[old.name];
      if (!now) changes.push({ change: 'FIELD_REMOVED', coordinate, message: `input field ${coordinate} was removed` });
      else if (!inputTypeStillFits(old.type, now.type)) {
        changes.push({
          change: 'FIELD_CHANGED_KIND',
          coordinate,
          message: `input field ${coordinate} changed type from ${String(old.type)} to ${String(now.type)}`,
        });
      }
    }
    for (const now of Object.values(afterFields)) {
      if (isRequired(now) && !beforeFields[now.name]) {
        changes.push({
          change: 'REQUIRED_INPUT_FIELD_ADDED',
          coordinate: `${name}.${now.name}`,
          message: `required input field ${name}.${now.name} of type ${String(now.type)} was added`,
        });
      }
    }
  }
  return changes;
}

/**
 * Every change from `before` to `after` that can break an operation valid against `before`, sorted by
 * coordinate. Same categories and rules as graphql-js `findBreakingChanges`, with a coordinate per change
 * so that an acknowledgement can name exactly one. A built-in scalar that is no longer referenced is not
 * reported: no operation can use it without a field or argument of that type.
 */
export function findApiBreakingChanges(before: GraphQLSchema, after: GraphQLSchema): BreakingChange[] {
  const changes: BreakingChange[] = [];
  const afterTypes = after.getTypeMap();
  for (const [name, old] of Object.entries(before.getTypeMap())) {
    if (name.startsWith('__')) continue;
    const now = afterTypes[name];
    if (now) changes.push(...diffType(old, now));
    else if (!isSpecifiedScalarType(old)) changes.push({ change: 'TYPE_REMOVED', coordinate: name, message: `type ${name} was removed` });
  }
  for (const old of before.getDirectives()) {
    const coordinate = `@${old.name}`;
    const now = after.getDirective(old.name);
    if (!now) {
      changes.push({ change: 'DIRECTIVE_REMOVED', coordinate, message: `directive ${coordinate} was removed` });
      continue;
    }
    changes.push(
      ...diffArguments(coordinate, old.args, now.args, {
        removed: 'DIRECTIVE_ARG_REMOVED',
        requiredAdded: 'REQUIRED_DIRECTIVE_ARG_ADDED',
      }),
    );
    if (old.isRepeatable && !now.isRepeatable) {
      changes.push({ change: 'DIRECTIVE_REPEATABLE_REMOVED', coordinate, message: `directive ${coordinate} is no longer repeatable` });
    }
    for (const location of old.locations) {
      if (!now.locations.includes(location)) {
        changes.push({
          change: 'DIRECTIVE_LOCATION_REMOVED',
          coordinate: `${coordinate} on ${location}`,
          message: `directive ${coordinate} can no longer be used on ${location}`,
        });
      }
    }
  }
  return changes.sort((a, b) => a.coordinate.localeCompare(b.coordinate) || a.change.localeCompare(b.change));
}

function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  // Date rolls 2026-02-30 over to March; a real date prints back as itself.
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

/** Reads and validates the acknowledgement file; a missing file means no acknowledgements. */
export function readAcknowledgements(path = acknowledgementsPath): Acknowledgement[] {
  if (!existsSync(path)) return [];
  const where = shown(path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new SchemaCheckInputError(`${where} is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) {
    throw new SchemaCheckInputError(`${where} must hold a JSON array of acknowledgements, found ${typeof parsed}`);
  }
  return parsed.map((entry: unknown, index) => {
    const at = `${where}: entry ${index + 1}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new SchemaCheckInputError(`${at} must be an object with change, coordinate, reason and date`);
    }
    const { change, coordinate, reason, date } = entry as Record<string, unknown>;
    if (typeof change !== 'string' || !(BREAKING_CHANGE_KINDS as readonly string[]).includes(change)) {
      throw new SchemaCheckInputError(
        `${at}: "change" is ${JSON.stringify(change)}, expected one of ${BREAKING_CHANGE_KINDS.join(', ')}`,
      );
    }
    for (const [key, value] of Object.entries({ coordinate, reason })) {
      if (typeof value !== 'string' || value.trim() === '') {
        throw new SchemaCheckInputError(`${at}: "${key}" must be a non-empty string, found ${JSON.stringify(value)}`);
      }
    }
    if (typeof date !== 'string' || !isCalendarDate(date)) {
      throw new SchemaCheckInputError(`${at}: "date" is ${JSON.stringify(date)}, expected a date as YYYY-MM-DD`);
    }
    return { change: change as BreakingChangeKind, coordinate: coordinate as string, reason: reason as string, date };
  });
}

export interface SchemaCheckResult {
  /** Where the baseline came from, e.g. `schema/supergraph.graphql at HEAD`. */
  baseline: string;
  acknowledged: Array<BreakingChange & { acknowledgement: Acknowledgement }>;
  unacknowledged: BreakingChange[];
  /** Acknowledgements that match no change against this baseline (already in it, or never happened). */
  unmatched: Acknowledgement[];
}

/** Compares two supergraphs' API schemas and sorts the breaking changes by whether they are acknowledged. */
export async function checkSupergraph(options: {
  supergraphSdl: string;
  baselineSdl: string;
  baseline: string;
  acknowledgements: readonly Acknowledgement[];
}): Promise<SchemaCheckResult> {
  const before = await apiSchemaOf(options.baselineSdl, `the baseline (${options.baseline})`);
  const after = await apiSchemaOf(options.supergraphSdl, 'the composed supergraph');
  const result: SchemaCheckResult = { baseline: options.baseline, acknowledged: [], unacknowledged: [], unmatched: [] };
  const matched = new Set<Acknowledgement>();
  for (const change of findApiBreakingChanges(before, after)) {
    const acknowledgement = options.acknowledgements.find(
      (a) => a.change === change.change && a.coordinate === change.coordinate,
    );
    if (acknowledgement) {
      matched.add(acknowledgement);
      result.acknowledged.push({ ...change, acknowledgement });
    } else {
      result.unacknowledged.push(change);
    }
  }
  result.unmatched = options.acknowledgements.filter((a) => !matched.has(a));
  return result;
}

const today = () => new Date().toISOString().slice(0, 10);

/** A path as the reader typed it: relative when inside the working directory, absolute otherwise. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/** The human report: every change, and for unacknowledged ones how to acknowledge them. */
export function formatSchemaCheck(result: SchemaCheckResult, ackPath = acknowledgementsPath): string {
  const file = shown(ackPath);
  const total = result.acknowledged.length + result.unacknowledged.length;
  const lines = [`schema check against ${result.baseline}: ${total} breaking change${total === 1 ? '' : 's'} in the API schema`];
  // One heading per reason: a release usually acknowledges several changes for the same reason.
  const byReason = new Map<string, SchemaCheckResult['acknowledged']>();
  for (const c of result.acknowledged) {
    const reason = `${c.acknowledgement.date}: ${c.acknowledgement.reason}`;
    byReason.set(reason, [...(byReason.get(reason) ?? []), c]);
  }
  for (const [reason, changes] of byReason) {
    lines.push(`  acknowledged ${reason}`);
    for (const c of changes) lines.push(`    ${c.change} ${c.coordinate}: ${c.message}`);
  }
  if (result.unacknowledged.length > 0) lines.push('  NOT acknowledged:');
  for (const c of result.unacknowledged) lines.push(`    ${c.change} ${c.coordinate}: ${c.message}`);
  if (result.unmatched.length > 0) {
    const n = result.unmatched.length;
    lines.push(
      `  (${n} acknowledgement${n === 1 ? '' : 's'} in ${file} match${n === 1 ? 'es' : ''} no change against this baseline: ` +
        'already in the baseline (such entries may be pruned), or never made)',
    );
  }
  if (result.unacknowledged.length > 0) {
    const entries = result.unacknowledged.map((c, i, all) =>
      `  ${JSON.stringify({ change: c.change, coordinate: c.coordinate, reason: '<why clients can take this>', date: today() })}${i < all.length - 1 ? ',' : ''}`,
    );
    lines.push(
      '',
      `${result.unacknowledged.length} unacknowledged breaking change${result.unacknowledged.length === 1 ? '' : 's'}: ` +
        'operations that clients send today may fail. Keep the old field, argument or value (deprecate it instead), or, ' +
        `if the break is intended, acknowledge each change in ${file} (a JSON array) with entries like:`,
      ...entries,
      'or run the same command again with --acknowledge "<why clients can take this>" to add them with that reason.',
    );
  } else {
    lines.push(total === 0 ? 'no breaking change.' : 'every breaking change is acknowledged.');
  }
  return lines.join('\n');
}

export interface BaselineOptions {
  against?: string;
  baselineFile?: string;
}

/**
 * The supergraph to compare with: a file, the committed supergraph at a git ref (HEAD by default), or,
 * when git or the committed file is not there and no ref was asked for, the working-tree supergraph.
 * Undefined when there is no supergraph at all yet.
 */
export function readBaseline(options: BaselineOptions = {}): { sdl: string; source: string } | undefined {
  if (options.baselineFile !== undefined) {
    if (!existsSync(options.baselineFile)) throw new SchemaCheckInputError(`--baseline ${options.baselineFile}: no such file`);
    return { sdl: readFileSync(options.baselineFile, 'utf8'), source: options.baselineFile };
  }
  const ref = options.against ?? 'HEAD';
  try {
    const sdl = execFileSync('git', ['show', `${ref}:${supergraphGitPath}`], {
      cwd: projectRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    return { sdl, source: `schema/supergraph.graphql at ${ref}` };
  } catch (error) {
    if (options.against !== undefined) {
      const stderr = (error as { stderr?: string }).stderr?.trim();
      throw new SchemaCheckInputError(
        `--against ${ref}: cannot read schema/supergraph.graphql at that git ref${stderr ? ` (${stderr})` : ''}`,
      );
    }
  }
  if (!existsSync(supergraphPath)) return undefined;
  return { sdl: readFileSync(supergraphPath, 'utf8'), source: 'schema/supergraph.graphql in the working tree (no git, or none committed at HEAD)' };
}

export interface CheckArguments extends BaselineOptions {
  acknowledgementsFile?: string;
  acknowledge?: string;
}

/**
 * Parses the options shared by `npm run schema:check` and `npm run compose`; `otherOptions` names, for the
 * error message, the options the caller has already taken out of argv.
 */
export function parseCheckArguments(argv: readonly string[], otherOptions: readonly string[] = []): CheckArguments {
  const parsed: CheckArguments = {};
  const valueOf = (index: number, flag: string) => {
    const value = argv[index + 1];
    if (value === undefined || value.startsWith('--')) throw new SchemaCheckInputError(`${flag} needs a value`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--against') parsed.against = valueOf(i++, flag);
    else if (flag === '--baseline') parsed.baselineFile = valueOf(i++, flag);
    else if (flag === '--acknowledgements') parsed.acknowledgementsFile = valueOf(i++, flag);
    else if (flag === '--acknowledge') parsed.acknowledge = valueOf(i++, flag);
    else {
      throw new SchemaCheckInputError(
        `unknown argument ${flag}; expected --against <git-ref>, --baseline <file>, --acknowledgements <file>, --acknowledge "<reason>"${otherOptions.map((o) => `, ${o}`).join('')}`,
      );
    }
  }
  if (parsed.against !== undefined && parsed.baselineFile !== undefined) {
    throw new SchemaCheckInputError('give either --against <git-ref> or --baseline <file>, not both');
  }
  if (parsed.acknowledge !== undefined && parsed.acknowledge.trim() === '') {
    throw new SchemaCheckInputError('--acknowledge needs a reason: why clients can take these changes');
  }
  return parsed;
}

/**
 * Runs the whole check for a composed supergraph and prints the report. Returns whether it passed;
 * with `acknowledge`, unacknowledged changes are first appended to the acknowledgement file.
 */
export async function runSchemaCheck(supergraphSdl: string, args: CheckArguments): Promise<boolean> {
  const ackPath = args.acknowledgementsFile ?? acknowledgementsPath;
  const baseline = readBaseline(args);
  if (!baseline) {
    console.log('schema check: no baseline supergraph exists yet, nothing to compare.');
    return true;
  }
  const acknowledgements = readAcknowledgements(ackPath);
  let result = await checkSupergraph({ supergraphSdl, baselineSdl: baseline.sdl, baseline: baseline.source, acknowledgements });
  if (args.acknowledge !== undefined && result.unacknowledged.length > 0) {
    const added = result.unacknowledged.map(
      (c): Acknowledgement => ({ change: c.change, coordinate: c.coordinate, reason: args.acknowledge!, date: today() }),
    );
    writeFileSync(ackPath, `${JSON.stringify([...acknowledgements, ...added], null, 2)}\n`);
    console.log(`acknowledged ${added.length} change${added.length === 1 ? '' : 's'} in ${shown(ackPath)}`);
    result = await checkSupergraph({ supergraphSdl, baselineSdl: baseline.sdl, baseline: baseline.source, acknowledgements: [...acknowledgements, ...added] });
  }
  const report = formatSchemaCheck(result, ackPath);
  if (result.unacknowledged.length > 0) console.error(report);
  else console.log(report);
  return result.unacknowledged.length === 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const args = parseCheckArguments(process.argv.slice(2));
    const passed = await runSchemaCheck(composeSupergraph(), args);
    process.exitCode = passed ? 0 : 1;
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = error instanceof SchemaCheckInputError ? 2 : 1;
  }
}
