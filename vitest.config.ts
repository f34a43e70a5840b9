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
      {
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          // Each file starts its own clusters (it stops, kills and freezes brokers): no global setup.
          testTimeout: 240_000,
          hookTimeout: 180_000,
          poolOptions: { forks: { singleFork: true } },
          // After the unit and integration projects, not beside them: two cores, and brokers of its own.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
