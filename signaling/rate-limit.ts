// Token buckets: one per socket for messages and bytes (always in this
// process), and one per client address or session for HTTP calls and socket
// opens, behind the `RateLimiter` seam: kept in this process
// (`KeyedRateLimiter`) or in the store shared by several servers
// (store-rate-limiter.ts). Both run the same bucket math, the pure functions
// below, so a limit means the same wherever its buckets live.

/** Size and refill speed of a bucket. */
export interface RateLimit {
  /** Tokens the bucket holds when full: the largest burst allowed. */
  burst: number;
  /** Tokens added back per second: the sustained rate allowed. */
  perSecond: number;
}

/** Messages on one signaling socket: 100/s sustained, bursts of 300. */
export const SOCKET_MESSAGE_LIMIT: RateLimit = { burst: 300, perSecond: 100 };
/** Session creations from one address: 120 per minute, bursts of 120 (an office behind one NAT). */
export const CREATE_SESSION_LIMIT: RateLimit = { burst: 120, perSecond: 2 };
/** Socket opens from one address: 240 per minute, bursts of 240. */
export const SOCKET_OPEN_LIMIT: RateLimit = { burst: 240, perSecond: 4 };

/** Returns the current time in milliseconds; injectable for tests. */
export type Clock = () => number;

/** What a bucket holds: its tokens as of `at` (epoch milliseconds). A bucket never seen is full. */
export interface BucketState {
  tokens: number;
  at: number;
}

/** Result of `takeTokens`: the bucket after the attempt, and whether the tokens were taken. */
export interface BucketTake {
  state: BucketState;
  allowed: boolean;
}

/** The bucket at `now`: refilled since its last change, up to the burst (undefined: a bucket never seen, full). */
export function refilled(state: BucketState | undefined, limit: RateLimit, now: number): BucketState {
  if (!state) return { tokens: limit.burst, at: now };
  const elapsedSeconds = Math.max(0, now - state.at) / 1000;
  return { tokens: Math.min(limit.burst, state.tokens + elapsedSeconds * limit.perSecond), at: now };
}

/** Takes `n` tokens at `now` from the bucket, if it holds that many; it is refilled either way. */
export function takeTokens(state: BucketState | undefined, limit: RateLimit, now: number, n: number): BucketTake {
  const current = refilled(state, limit, now);
  if (current.tokens < n) return { state: current, allowed: false };
  return { state: { tokens: current.tokens - n, at: now }, allowed: true };
}

/** Milliseconds until a refilled bucket holds one token (0 when it does). */
export function msUntilToken(state: BucketState, limit: RateLimit): number {
  if (state.tokens >= 1) return 0;
  return Math.ceil(((1 - state.tokens) / limit.perSecond) * 1000);
}

/** Milliseconds until a refilled bucket is full again (0 when it is): from then on it is the same as a bucket never seen. */
export function msUntilFull(state: BucketState, limit: RateLimit): number {
  if (state.tokens >= limit.burst) return 0;
  return Math.ceil(((limit.burst - state.tokens) / limit.perSecond) * 1000);
}

/** One token bucket. */
export class TokenBucket {
  private state: BucketState;

  constructor(private readonly limit: RateLimit, private readonly now: Clock = Date.now) {
    this.state = refilled(undefined, limit, now());
  }

  /** Takes `n` tokens (one by default); false when there are fewer (the caller is over the limit). */
  take(n = 1): boolean {
    const { state, allowed } = takeTokens(this.state, this.limit, this.now(), n);
    this.state = state;
    return allowed;
  }

  /** Milliseconds until one token is available (0 when one is now). Takes nothing. */
  msUntilToken(): number {
    this.state = refilled(this.state, this.limit, this.now());
    return msUntilToken(this.state, this.limit);
  }

  /** True when the bucket is full again, i.e. it would behave like a new one. */
  isFull(): boolean {
    this.state = refilled(this.state, this.limit, this.now());
    return msUntilFull(this.state, this.limit) === 0;
  }
}

/** A bucket per key (a client address, a session), wherever the buckets are kept. */
export interface RateLimiter {
  /** Takes one token from `key`'s bucket; resolves to false when `key` is over the limit. */
  take(key: string): Promise<boolean>;
  /** Milliseconds until `key` may take a token again (0 when it may now). Takes nothing. */
  msUntilToken(key: string): Promise<number>;
  /** Forgets idle buckets kept in this process, looking at `max` at most (no-op where buckets expire by themselves). */
  sweep(max?: number): void;
}

/** What a limiter does while the place its buckets are kept cannot be reached: let the call through, or fail it. */
export type WhenUnavailable = 'allow' | 'fail';

/**
 * Makes the rate limiters of a server, all of one kind (in this process, or
 * in the shared store): the composition root picks the factory, each part
 * asks it for its limiters. `name` sets a limiter's buckets apart from
 * another's (e.g. `socket-open`); `whenUnavailable` matters only to a shared kind.
 */
export type RateLimiterFactory = (name: string, limit: RateLimit, whenUnavailable: WhenUnavailable) => RateLimiter;

/** Limiters whose buckets live in this process (one server): never unavailable. */
export function inProcessRateLimiters(now: Clock = Date.now): RateLimiterFactory {
  return (_name, limit) => new KeyedRateLimiter(limit, now);
}

/** A bucket per key in this process; full buckets are forgotten by `sweep()`. */
export class KeyedRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  /** Where the last partial sweep stopped; a Map iterator sees deletions and keys added behind it. */
  private sweepCursor: Iterator<[string, TokenBucket]> | null = null;

  constructor(private readonly limit: RateLimit, private readonly now: Clock = Date.now) {}

  async take(key: string): Promise<boolean> {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.limit, this.now);
      this.buckets.set(key, bucket);
    }
    return bucket.take();
  }

  async msUntilToken(key: string): Promise<number> {
    return this.buckets.get(key)?.msUntilToken() ?? 0;
  }

  /**
   * Forgets buckets that are full again, so memory follows the active clients only. Looks at `max` buckets at most
   * (all by default), going on from where the previous call stopped: a round over many keys is spread over calls.
   */
  sweep(max = Number.POSITIVE_INFINITY): void {
    const most = Math.min(max, this.buckets.size);
    let seen = 0;
    let restarted = false;
    while (seen < most) {
      this.sweepCursor ??= this.buckets.entries();
      const next = this.sweepCursor.next();
      if (next.done) {
        this.sweepCursor = null;
        // A round that ended in this call goes on with the next one (no bucket is looked at twice in a call).
        if (seen > 0 || restarted) return;
        restarted = true;
        continue;
      }
      seen += 1;
      const [key, bucket] = next.value;
      if (bucket.isFull()) this.buckets.delete(key);
    }
  }

  /** Number of keys currently tracked. */
  get size(): number {
    return this.buckets.size;
  }
}
