import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: a couple of workers keeps PostgreSQL and the CPU-heavy password hashing busy without thrashing.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
