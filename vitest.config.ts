import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // one Docker engine, shared: integration files run one after another
    fileParallelism: false,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/soak/audit.test.ts', 'test/deploy/**/*.test.ts'],
          exclude: ['**/*.int.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['src/**/*.int.test.ts', 'test/integration/**/*.int.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 60_000,
          globalSetup: ['test/helpers/require-docker.ts'],
        },
      },
      {
        test: {
          name: 'soak',
          include: ['test/soak/soak.test.ts'],
          testTimeout: 1_800_000,
          hookTimeout: 60_000,
          globalSetup: ['test/helpers/require-docker.ts'],
        },
      },
    ],
  },
});
