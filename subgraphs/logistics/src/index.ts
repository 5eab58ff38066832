import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SubgraphDefinition } from '@tracefed/kit/server/subgraph';
import { createContext, type Context } from './context.ts';
import { Container } from './resolvers/Container.ts';
import { Query } from './resolvers/Query.ts';
import { SerializedUnit } from './resolvers/SerializedUnit.ts';

export const name = 'logistics';
export const sdl = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
/** Absolute path of this node's drizzle-kit migrations. */
export const migrationsFolder = fileURLToPath(new URL('./db/migrations', import.meta.url));

export const resolvers = { Query, SerializedUnit, Container };

/**
 * The logistics subgraph (third-party carriers, cold chain): side-effect free; main.ts (or a test)
 * opens the database and serves it. Carriers capture into it.
 */
export const definition: SubgraphDefinition<Context> = {
  name,
  node: 'LOGISTICS',
  sdl,
  resolvers: resolvers as never,
  createContext,
  captureRoles: ['logistics'],
};
