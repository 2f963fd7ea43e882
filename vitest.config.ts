import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // GPU tests run in Chromium on SwiftShader (Dawn for Node crashed intermittently here). Two cores: one file at a time.
    fileParallelism: false,
  },
});
