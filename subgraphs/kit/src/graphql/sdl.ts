import { readFileSync } from 'node:fs';
import { parse, type DocumentNode, type DefinitionNode } from 'graphql';

/** The shared value types (custody.graphql) as SDL text. */
export const sharedTypeDefsSource = readFileSync(new URL('./custody.graphql', import.meta.url), 'utf8');

/**
 * A subgraph's full SDL: its own schema.graphql followed by the shared value types. The subgraph's
 * file holds the `@link` and its own types; the shared part is written once, here.
 */
export function subgraphTypeDefs(ownSdl: string): DocumentNode {
  const own = parse(ownSdl);
  const shared = parse(sharedTypeDefsSource);
  return { kind: own.kind, definitions: [...own.definitions, ...shared.definitions] as DefinitionNode[] };
}

/** The SDL text a subgraph publishes (for offline composition). */
export function subgraphSdlText(ownSdl: string): string {
  return `${ownSdl.trimEnd()}\n\n${sharedTypeDefsSource}`;
}
