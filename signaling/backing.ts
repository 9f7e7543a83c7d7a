// What the server's state and its messages to other servers live on. With
// `CWMN_REDIS_URL` unset: the journaled file store of `CWMN_DATA_DIR`, which
// one server owns (a second one is refused), and a bus inside this process.
// With it: Redis for both, shared by every server of the deployment, which
// may then share one `CWMN_DATA_DIR` too (for outbox mail and videos); rate
// limits per client are then counted there too, once per deployment.

import type { Bus } from './bus/bus.js';
import { MemoryBus } from './bus/memory-bus.js';
import { RedisBus } from './bus/redis-bus.js';
import type { LogFn, ServerConfig } from './config.js';
import type { ReadinessCheck } from './http/ops-routes.js';
import { inProcessRateLimiters, type RateLimiterFactory } from './rate-limit.js';
import { lockDataDir } from './state/data-dir-lock.js';
import { openFileStore } from './state/file-store.js';
import { redisHost } from './state/redis-connection.js';
import { openRedisStore } from './state/redis-store.js';
import type { Store } from './state/store.js';
import { storeRateLimiters } from './store-rate-limiter.js';

/** Pause between two attempts to reach Redis at start. */
export const REDIS_START_RETRY_MS = 1000;

export interface Backing {
  store: Store;
  bus: Bus;
  /** Where rate limits per client and session are counted: this process's memory, or the shared store (once per deployment). */
  limiters: RateLimiterFactory;
  /** What readiness (`/readyz`) checks: the parts other servers share, when there are any. */
  checks: ReadinessCheck[];
  /**
   * True when the state is shared and outlives this process, timers and places
   * included (Redis): a server that starts has nothing to set again. False for
   * the file store, whose timers and places die with the process.
   */
  shared: boolean;
  /** Closes the bus, then the store (after its pending writes), and lets go of the data dir. Idempotent. */
  close(): Promise<void>;
}

/** Opens the backing `config` names. On Redis, waits for it to answer, saying so every attempt (the server is not up meanwhile). */
export async function openBacking(config: ServerConfig): Promise<Backing> {
  const { log } = config;
  if (config.redisUrl === null) {
    const lock = lockDataDir(config.dataDir);
    try {
      const store = openFileStore(config.dataDir, log);
      const bus = new MemoryBus((err) => log(`bus: a listener failed: ${(err as Error)?.stack ?? String(err)}`, { level: 'error' }));
      return backing(store, bus, inProcessRateLimiters(), [], false, () => lock.release());
    } catch (err) {
      lock.release();
      throw err;
    }
  }
  const store = await untilConnected(() => openRedisStore({ redisUrl: config.redisUrl as string, prefix: config.redisPrefix, log }), log);
  const bus = new RedisBus({ redisUrl: config.redisUrl, prefix: config.redisPrefix, log });
  log(`redis: sessions, presence and messages between servers on ${redisHost(config.redisUrl)} (prefix ${config.redisPrefix})`);
  return backing(store, bus, storeRateLimiters({ store, log }), [
    // A read that goes all the way to Redis and back, as every operation does.
    { name: 'store', check: async () => { await store.hostHolder('-'); } },
    { name: 'bus', check: () => bus.ping() },
  ], true, () => {});
}

function backing(
  store: Store, bus: Bus, limiters: RateLimiterFactory, checks: ReadinessCheck[], shared: boolean, release: () => void,
): Backing {
  let closing: Promise<void> | null = null;
  return {
    store, bus, limiters, checks, shared,
    close: () => (closing ??= (async () => {
      try {
        await bus.close();
        await store.close();
      } finally {
        release();
      }
    })()),
  };
}

async function untilConnected<T>(open: () => Promise<T>, log: LogFn): Promise<T> {
  for (;;) {
    try {
      return await open();
    } catch (err) {
      log(`${(err as Error).message}; trying again in ${REDIS_START_RETRY_MS / 1000} s (not ready until then)`, { level: 'warn' });
      await new Promise((resolve) => setTimeout(resolve, REDIS_START_RETRY_MS));
    }
  }
}
