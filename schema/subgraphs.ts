import { readFileSync } from 'node:fs';
import { subgraphSdlText } from '@tracefed/kit/graphql/sdl';

/**
 * The subgraphs that make up the supergraph: name (as the gateway and docker-compose call it), the
 * folder holding its schema.graphql, and its default URL. Adding a node means adding a line here.
 */
export const SUBGRAPHS = [
  { name: 'manufacturer', port: 4001 },
  { name: 'distributor', port: 4002 },
  { name: 'dispenser', port: 4003 },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

const root = new URL('../', import.meta.url);

/** A subgraph's full published SDL, exactly as the subgraph serves it (see kit/src/graphql/sdl.ts). */
export function subgraphSdl(name: string): string {
  return subgraphSdlText(readFileSync(new URL(`subgraphs/${name}/schema.graphql`, root), 'utf8'));
}
