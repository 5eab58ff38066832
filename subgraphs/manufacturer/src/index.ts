import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SubgraphDefinition } from '@tracefed/kit/server/subgraph';
import { createContext, type Context } from './context.ts';
import { ComponentLot, Lot } from './resolvers/Lot.ts';
import { Mutation } from './resolvers/Mutation.ts';
import { PriceViolationReport } from './resolvers/PriceViolationReport.ts';
import { Product } from './resolvers/Product.ts';
import { Query } from './resolvers/Query.ts';
import { SerializedUnit } from './resolvers/SerializedUnit.ts';
import { Verification } from './resolvers/Verification.ts';
import { verificationRoutes } from './routes.ts';
import { whereaboutsResolvers } from './whereabouts.ts';

export const name = 'manufacturer';
export const sdl = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
/** Absolute path of this node's drizzle-kit migrations. */
export const migrationsFolder = fileURLToPath(new URL('./db/migrations', import.meta.url));

export const resolvers = {
  Query,
  Mutation,
  SerializedUnit,
  Product,
  Lot,
  ComponentLot,
  Verification,
  PriceViolationReport,
  ...whereaboutsResolvers,
};

/** The manufacturer subgraph: side-effect free; main.ts (or a test) opens the database and serves it. */
export const definition: SubgraphDefinition<Context> = {
  name,
  node: 'MANUFACTURER',
  sdl,
  resolvers: resolvers as never,
  createContext,
  routes: verificationRoutes,
};
