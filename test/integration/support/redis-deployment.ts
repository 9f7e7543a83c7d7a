// Global setup of the integration suite's run on Redis: one real redis-server
// for the whole run, started before the first file and stopped after the last
// by the runner itself (a test process may be ended without running exit
// handlers). Test servers take it through `inject('testRedisUrl')`.

import type { TestProject } from 'vitest/node';
import { startRedis } from './redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Redis of the run's test servers (see `TEST_DEPLOYMENT`). */
    testRedisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await startRedis();
  project.provide('testRedisUrl', redis.url);
  return () => redis.stop();
}
