import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Browser tests share two cores: one file at a time keeps timings honest.
    fileParallelism: false,
    projects: [
      {
        extends: true,
        test: {
          name: 'all',
          include: ['test/**/*.test.ts'],
          typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
        },
      },
      {
        // The integration suite again, each test server a pair of servers on one Redis
        // (hosts on the first, guests on the second; see test/integration/support/server.ts).
        // Left out: what is about the file store itself (its files, one server per data dir),
        // and files that run deployments of their own.
        extends: true,
        test: {
          name: 'integration on redis',
          include: ['test/integration/**/*.test.ts'],
          exclude: [
            'test/integration/restart.test.ts',
            'test/integration/cluster.test.ts',
            'test/integration/bus.test.ts',
            'test/integration/render-workers.test.ts',
          ],
          env: { CWMN_TEST_DEPLOYMENT: 'redis' },
          globalSetup: ['test/integration/support/redis-deployment.ts'],
        },
      },
    ],
  },
});
