// Rate limiters whose buckets live in the store shared by the servers of a
// deployment, so that a client behind a load balancer gets the limit once,
// not once per server: each take is one atomic store operation
// (`Store.takeRateTokens`), running the same bucket math as the in-process
// limiter. While the store cannot be reached, a limiter that lets calls
// through (socket opens: a blip must not refuse every reconnect) says so in
// the log, at most once per `UNAVAILABLE_LOG_MS`; any other fails the call
// with the store's error (ERR_SERVER), as the call would fail anyway.

import { CwmnError, ErrorCode } from '../src/protocol/index.js';
import type { LogFn } from './config.js';
import type { Clock, RateLimit, RateLimiter, RateLimiterFactory, WhenUnavailable } from './rate-limit.js';
import type { Store } from './state/store.js';

/** A limiter that lets calls through while the store is away logs it at most this often. */
export const UNAVAILABLE_LOG_MS = 10_000;

/** Collaborators of the shared limiters. */
export interface StoreRateLimitersOptions {
  store: Store;
  log: LogFn;
  now?: Clock;
}

/** Limiters whose buckets are in `store`, named `<name>:<key>` there. */
export function storeRateLimiters(options: StoreRateLimitersOptions): RateLimiterFactory {
  return (name, limit, whenUnavailable) => new StoreRateLimiter(options, name, limit, whenUnavailable);
}

/** The buckets of one limiter, in the store. */
export class StoreRateLimiter implements RateLimiter {
  private readonly now: Clock;
  /** Calls let through since the store was last found away and said so; the time it was said. */
  private allowedUnseen = 0;
  private loggedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: StoreRateLimitersOptions,
    private readonly name: string,
    private readonly limit: RateLimit,
    private readonly whenUnavailable: WhenUnavailable,
  ) {
    this.now = options.now ?? Date.now;
  }

  async take(key: string): Promise<boolean> {
    try {
      return (await this.options.store.takeRateTokens(this.bucket(key), this.limit, this.now(), 1)).allowed;
    } catch (err) {
      return this.unavailable(err, true);
    }
  }

  async msUntilToken(key: string): Promise<number> {
    try {
      return (await this.options.store.takeRateTokens(this.bucket(key), this.limit, this.now(), 0)).msUntilToken;
    } catch (err) {
      return this.unavailable(err, 0);
    }
  }

  /** Nothing to do: the store forgets a bucket once it is full again. */
  sweep(): void {}

  private bucket(key: string): string {
    return `${this.name}:${key}`;
  }

  /** What a call gets while the store cannot be reached: `allowed` when this limiter lets calls through, else the store's error. */
  private unavailable<R>(err: unknown, allowed: R): R {
    if (this.whenUnavailable === 'fail' || !(err instanceof CwmnError) || err.code !== ErrorCode.SERVER) throw err;
    this.allowedUnseen += 1;
    const t = this.now();
    if (t - this.loggedAt >= UNAVAILABLE_LOG_MS) {
      this.options.log(`rate limit ${this.name}: the store is unavailable (${err.message}); `
        + `${this.allowedUnseen} call(s) let through unlimited`, { level: 'warn' });
      this.loggedAt = t;
      this.allowedUnseen = 0;
    }
    return allowed;
  }
}
