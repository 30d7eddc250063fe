import { defineConfig } from 'vitest/config';

// One run covers unit tests beside the code and the cross-package / process tests
// in test/. Each test file runs in its own forked process: chDB binds one data
// directory per process, and end-to-end tests start the collector as a child.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'collector/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', 'test/bench/**'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
