import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './subgraphs/logistics/src/db/schema.ts',
  out: './subgraphs/logistics/src/db/migrations',
});
