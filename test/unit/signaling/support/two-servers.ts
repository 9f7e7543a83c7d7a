// The stores of two servers of one deployment, for each kind of store: one
// process's store (the same object twice), or two Redis stores on one real
// redis-server under one prefix. Call `stopTwoServerRedis()` after the file.

import { MemoryStore } from '../../../../signaling/state/memory-store.js';
import { openRedisStore } from '../../../../signaling/state/redis-store.js';
import type { Store } from '../../../../signaling/state/store.js';
import { startRedis, type TestRedis } from '../../../integration/support/redis.js';

/** How to open the two servers' stores of a new deployment. */
export interface TwoServers {
  name: string;
  open(): Promise<[Store, Store]>;
}

let redis: Promise<TestRedis> | undefined;
let prefixes = 0;

/** One entry per kind of store; each `open()` is a new deployment (a new prefix on Redis). */
export function twoServerStores(prefix: string): TwoServers[] {
  return [
    { name: 'one process', open: async () => { const store = new MemoryStore(); return [store, store]; } },
    {
      name: 'Redis',
      open: async () => {
        const { url } = await (redis ??= startRedis());
        const deployment = `${prefix}-${++prefixes}`;
        const server = () => openRedisStore({ redisUrl: url, prefix: deployment, log: () => {} });
        return Promise.all([server(), server()]);
      },
    },
  ];
}

/** Stops the redis-server the Redis entries started, if any. */
export async function stopTwoServerRedis(): Promise<void> {
  await (await redis)?.stop();
  redis = undefined;
}
