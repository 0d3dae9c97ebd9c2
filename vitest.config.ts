import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/global_setup.ts'],
    // Fits run real optimisation on the wasm backend (one core per worker). Two workers:
    // vitest's default on a 2-core machine is one, which ran the files one after another.
    maxWorkers: 2,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    reporters: ['default', './test/summary_reporter.ts'],
  },
});
