import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './subgraphs/manufacturer/src/db/schema.ts',
  out: './subgraphs/manufacturer/src/db/migrations',
});
