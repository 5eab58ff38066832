/**
 * Composes the supergraph offline from each subgraph's SDL and writes schema/supergraph.graphql.
 *   npm run compose            regenerate the committed supergraph, after the schema check (schema/check.ts)
 *                              passes against the supergraph at git HEAD (--against <ref> / --baseline <file>)
 *   npm run compose -- --check fail when the committed supergraph is stale
 *   npm run compose -- --output <file>   write elsewhere (still after the check)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { GraphQLError, parse, type DocumentNode } from 'graphql';
import { SUBGRAPHS, subgraphSdl } from './subgraphs.ts';

export const supergraphPath = fileURLToPath(new URL('./supergraph.graphql', import.meta.url));

/** One error composition reported, with what a reader needs to find it. */
export interface CompositionProblem {
  /** Apollo's error code, e.g. FIELD_TYPE_MISMATCH (see Apollo's composition error reference). */
  code: string;
  /** The subgraphs the error is about, as named in the composition input. */
  subgraphs: string[];
  /** The schema coordinate it is about (`Type`, `Type.field`, `Type.field(arg:)`), when there is one. */
  coordinate?: string;
  message: string;
}

export class CompositionError extends Error {
  readonly problems: CompositionProblem[];

  constructor(problems: CompositionProblem[]) {
    super(formatCompositionProblems(problems));
    this.name = 'CompositionError';
    this.problems = problems;
  }
}

export function formatCompositionProblems(problems: readonly CompositionProblem[]): string {
  const lines = [`composition failed with ${problems.length} error${problems.length === 1 ? '' : 's'}:`];
  for (const p of problems) {
    const subgraphs = p.subgraphs.length > 0
      ? `subgraph${p.subgraphs.length === 1 ? '' : 's'} ${p.subgraphs.join(', ')}`
      : 'subgraph not named by composition';
    lines.push(`  - ${p.code} in ${subgraphs}${p.coordinate ? ` at ${p.coordinate}` : ''}:`);
    lines.push(...p.message.split('\n').map((line) => `      ${line}`));
  }
  return lines.join('\n');
}

const COORDINATE = /^[_A-Za-z][_0-9A-Za-z]*(\.[_A-Za-z][_0-9A-Za-z]*(\([_A-Za-z][_0-9A-Za-z]*:\))?)?$/;

/**
 * Reads the subgraphs and the coordinate out of one composition error. Apollo puts the subgraph on the AST
 * nodes it attaches (`node.subgraph`), prefixes single-subgraph errors with `[name]`, and names subgraphs
 * in the text as `subgraph "a"` or `subgraphs "a" and "b"`; the coordinate is the first quoted schema
 * coordinate in the text that is not a subgraph name.
 */
export function describeCompositionError(error: GraphQLError, subgraphNames: readonly string[]): CompositionProblem {
  const found = new Set<string>();
  for (const node of error.nodes ?? []) {
    const subgraph = (node as { subgraph?: unknown }).subgraph;
    if (typeof subgraph === 'string') found.add(subgraph);
  }
  const prefix = /^\[([^\]]+)\] /.exec(error.message)?.[1];
  if (prefix) found.add(prefix);
  for (const mention of error.message.matchAll(/subgraphs? ((?:"[^"]+"(?:,? and |, )?)+)/g)) {
    for (const quoted of mention[1]!.matchAll(/"([^"]+)"/g)) found.add(quoted[1]!);
  }
  const subgraphs = subgraphNames.filter((name) => found.has(name));
  const coordinate = [...error.message.matchAll(/"([^"]+)"/g)]
    .map((m) => m[1]!)
    .find((quoted) => COORDINATE.test(quoted) && !subgraphNames.includes(quoted));
  const code = error.extensions?.code;
  return {
    code: typeof code === 'string' ? code : 'COMPOSITION_ERROR',
    subgraphs,
    ...(coordinate ? { coordinate } : {}),
    message: error.message,
  };
}

/** Composes the given subgraphs; throws CompositionError naming, for every error, its code, subgraphs and coordinate. */
export function composeSupergraph(
  subgraphs: ReadonlyArray<{ name: string; url: string; sdl: string }> = SUBGRAPHS.map((s) => ({
    name: s.name,
    url: `http://localhost:${s.port}/graphql`,
    sdl: subgraphSdl(s.name),
  })),
): string {
  const parsed: Array<{ name: string; url: string; typeDefs: DocumentNode }> = [];
  const syntaxProblems: CompositionProblem[] = [];
  for (const s of subgraphs) {
    try {
      parsed.push({ name: s.name, url: s.url, typeDefs: parse(s.sdl) });
    } catch (error) {
      const at = (error as GraphQLError).locations?.[0];
      syntaxProblems.push({
        code: 'INVALID_GRAPHQL',
        subgraphs: [s.name],
        message: `${s.name} SDL${at ? ` line ${at.line}, column ${at.column}` : ''}: ${(error as Error).message}`,
      });
    }
  }
  if (syntaxProblems.length > 0) throw new CompositionError(syntaxProblems);
  const result = composeServices(parsed);
  if (result.errors) {
    const names = subgraphs.map((s) => s.name);
    throw new CompositionError(result.errors.map((e) => describeCompositionError(e, names)));
  }
  return result.supergraphSdl;
}

async function main(argv: readonly string[]): Promise<number> {
  const supergraph = composeSupergraph();
  if (argv.includes('--check')) {
    const committed = readFileSync(supergraphPath, 'utf8');
    if (committed !== supergraph) {
      console.error('schema/supergraph.graphql is stale: run `npm run compose` and commit the result.');
      return 1;
    }
    console.log('schema/supergraph.graphql is up to date.');
    return 0;
  }
  // Imported here, not at the top: check.ts imports this module for composeSupergraph.
  const { parseCheckArguments, runSchemaCheck, SchemaCheckInputError } = await import('./check.ts');
  const rest = [...argv];
  let output = supergraphPath;
  const at = rest.indexOf('--output');
  if (at !== -1) {
    const value = rest[at + 1];
    if (value === undefined || value.startsWith('--')) throw new SchemaCheckInputError('--output needs a file path');
    output = value;
    rest.splice(at, 2);
  }
  if (!(await runSchemaCheck(supergraph, parseCheckArguments(rest, ['--output <file>', '--check'])))) {
    console.error(`${output} not written: acknowledge or undo the breaking changes above first.`);
    return 1;
  }
  writeFileSync(output, supergraph);
  console.log(`wrote ${output}`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    async (error: unknown) => {
      const { SchemaCheckInputError } = await import('./check.ts');
      console.error((error as Error).message);
      process.exitCode = error instanceof SchemaCheckInputError ? 2 : 1;
    },
  );
}
