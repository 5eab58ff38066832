import { readFileSync } from 'node:fs';

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

/** A subgraph's full published SDL: its own schema.graphql plus the kit's shared value types. */
export function subgraphSdl(name: string): string {
  const own = readFileSync(new URL(`subgraphs/${name}/schema.graphql`, root), 'utf8');
  const shared = readFileSync(new URL('subgraphs/kit/src/graphql/custody.graphql', root), 'utf8');
  return `${own.trimEnd()}\n\n${shared}`;
}
