import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { subgraphSdlText } from '@tracefed/kit/graphql/sdl';
import type { SubgraphDefinition } from '@tracefed/kit/server/subgraph';

/**
 * The one list of the network's subgraphs: the name (its folder under subgraphs/, its name in the
 * supergraph, its docker-compose service, its database and the prefix of its <NAME>_DATABASE_URL and
 * <NAME>_URL settings) and the port it listens on in `npm start` and docker-compose. Composition, the dev
 * runner, the test harness and the migrations script read it; `npm run new-subgraph` adds a line here.
 */
export const SUBGRAPHS = [
  { name: 'manufacturer', port: 4001 },
  { name: 'distributor', port: 4002 },
  { name: 'dispenser', port: 4003 },
  { name: 'logistics', port: 4004 },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

const root = new URL('../', import.meta.url);

/** A subgraph's full published SDL, exactly as the subgraph serves it (see kit/src/graphql/sdl.ts). */
export function subgraphSdl(name: string): string {
  return subgraphSdlText(readFileSync(new URL(`subgraphs/${name}/schema.graphql`, root), 'utf8'));
}

/** What a subgraph's side-effect-free src/index.ts exports (the dev runner and the harness start it from this). */
export interface SubgraphModule<TName extends string = string> {
  name: TName;
  // The context type is each node's own; callers only pass the definition on to startSubgraph.
  definition: SubgraphDefinition<any>;
  /** Absolute path of the node's drizzle-kit migrations. */
  migrationsFolder: string;
}

/**
 * Imports one subgraph's src/index.ts from its folder (default: subgraphs/<name>/ of this repository)
 * and checks that it exports what a node must: its name, definition and migrations folder.
 */
export async function loadSubgraphModule<TName extends string>(
  name: TName,
  folder: URL | string = new URL(`subgraphs/${name}/`, root),
): Promise<SubgraphModule<TName>> {
  const base = typeof folder === 'string' ? pathToFileURL(folder.endsWith('/') ? folder : `${folder}/`) : folder;
  const entry = new URL('src/index.ts', base);
  if (!existsSync(entry)) throw new Error(`subgraph ${name}: ${fileURLToPath(entry)} does not exist`);
  const module = (await import(entry.href)) as Partial<SubgraphModule>;
  const problems = [
    module.name === name ? null : `exports name ${JSON.stringify(module.name)}, expected "${name}"`,
    module.definition && typeof module.definition.createContext === 'function' ? null : 'exports no definition (a SubgraphDefinition)',
    typeof module.migrationsFolder === 'string' ? null : 'exports no migrationsFolder',
  ].filter((p) => p !== null);
  if (problems.length > 0) throw new Error(`subgraph ${name}: ${fileURLToPath(entry)} ${problems.join('; ')}`);
  return module as SubgraphModule<TName>;
}

/** Every registered subgraph's module, in SUBGRAPHS order, with its port. */
export async function loadSubgraphModules(): Promise<Array<SubgraphModule<SubgraphName> & { port: number }>> {
  return Promise.all(
    SUBGRAPHS.map(async (s) => {
      const { name, definition, migrationsFolder } = await loadSubgraphModule(s.name);
      return { name, definition, migrationsFolder, port: s.port };
    }),
  );
}
