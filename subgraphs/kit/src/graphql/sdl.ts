import { readFileSync } from 'node:fs';
import { parse, type DocumentNode } from 'graphql';

const fragment = (file: string) => readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');

/** The shared value types every node includes (custody.graphql) as SDL text. */
export const sharedTypeDefsSource = fragment('custody.graphql');

/** Fragments a subgraph may pull in with a `# tracefed:include <file>` line in its schema.graphql. */
const INCLUDABLE = new Set(['trade.graphql', 'coldchain.graphql']);
const INCLUDE = /^# tracefed:include (\S+)$/gm;

/**
 * The SDL a subgraph publishes: its own schema.graphql, the fragments it includes, and the shared value
 * types. Types written once in the kit stay identical in every node that uses them, as composition requires
 * of shareable types. Serving (buildSubgraphSchema) and offline composition both read this one text.
 */
export function subgraphSdlText(ownSdl: string): string {
  const parts = [ownSdl.trimEnd()];
  for (const [, file] of ownSdl.matchAll(INCLUDE)) {
    if (!file || !INCLUDABLE.has(file)) throw new Error(`schema.graphql includes unknown fragment ${file ?? ''}`);
    parts.push(fragment(file).trimEnd());
  }
  parts.push(sharedTypeDefsSource);
  return parts.join('\n\n');
}

/** A subgraph's full SDL as a document, for buildSubgraphSchema. */
export function subgraphTypeDefs(ownSdl: string): DocumentNode {
  return parse(subgraphSdlText(ownSdl));
}
