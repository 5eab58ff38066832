import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './subgraphs/distributor/src/db/schema.ts',
  out: './subgraphs/distributor/src/db/migrations',
});
