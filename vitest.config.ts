import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Two real KRaft clusters (`source`, `target`) for the whole run; see test/support/global-setup.ts.
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // The machine has two cores and the brokers need them: one integration file at a time.
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
