import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// Each run gets its own database (dropped at the end), so two runs on one machine never collide.
process.env.TEST_DATABASE_URL ??= `postgres://postgres@127.0.0.1:5432/gridhub_test_${process.pid}`;

export default defineConfig({
  resolve: {
    // Tests must use the same (CommonJS) graphql instance as type-graphql and Apollo, not its .mjs twin.
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
  },
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    setupFiles: ['tests/support/setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // End-to-end files start whole hubs; two at a time fits the 2-core machines CI runs on.
    maxWorkers: 2,
  },
});
