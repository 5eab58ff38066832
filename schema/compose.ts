/**
 * Composes the supergraph offline from each subgraph's SDL and writes schema/supergraph.graphql.
 *   npm run compose            regenerate the committed supergraph
 *   npm run compose -- --check fail when the committed supergraph is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { SUBGRAPHS, subgraphSdl } from './subgraphs.ts';

export const supergraphPath = fileURLToPath(new URL('./supergraph.graphql', import.meta.url));

export class CompositionError extends Error {}

/** Composes the given subgraphs; throws CompositionError naming every conflict composition reports. */
export function composeSupergraph(
  subgraphs: ReadonlyArray<{ name: string; url: string; sdl: string }> = SUBGRAPHS.map((s) => ({
    name: s.name,
    url: `http://localhost:${s.port}/graphql`,
    sdl: subgraphSdl(s.name),
  })),
): string {
  const result = composeServices(subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })));
  if (result.errors) {
    throw new CompositionError(
      `composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`,
    );
  }
  return result.supergraphSdl;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const supergraph = composeSupergraph();
    if (process.argv.includes('--check')) {
      const committed = readFileSync(supergraphPath, 'utf8');
      if (committed !== supergraph) {
        console.error('schema/supergraph.graphql is stale: run `npm run compose` and commit the result.');
        process.exit(1);
      }
      console.log('schema/supergraph.graphql is up to date.');
    } else {
      writeFileSync(supergraphPath, supergraph);
      console.log(`wrote ${supergraphPath}`);
    }
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
