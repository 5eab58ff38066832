import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['subgraphs/**/src/**/*.test.ts', 'gateway/src/**/*.test.ts', 'test/**/*.test.ts', 'schema/**/*.test.ts'],
    // PGlite instances and servers live in the test file's process: forks keep them isolated.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 180_000,
    env: { APOLLO_TELEMETRY_DISABLED: '1' },
  },
});
