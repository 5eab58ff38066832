import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './subgraphs/dispenser/src/db/schema.ts',
  out: './subgraphs/dispenser/src/db/migrations',
});
