// Token buckets, the in-process limiter, and the limiter in the store: the
// same answers for the same calls, and what a shared limiter does while its
// store cannot be reached.

import { describe, expect, it } from 'vitest';
import { CwmnError, ErrorCode } from '../../../src/protocol/index.js';
import {
  KeyedRateLimiter, msUntilFull, refilled, takeTokens, TokenBucket, type RateLimit,
} from '../../../signaling/rate-limit.js';
import { MemoryStore } from '../../../signaling/state/memory-store.js';
import type { RateTake } from '../../../signaling/state/store.js';
import { storeRateLimiters, UNAVAILABLE_LOG_MS } from '../../../signaling/store-rate-limiter.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

/** A memory store whose rate buckets cannot be reached while `away` (as a shared store's, when Redis is away). */
class FlakyStore extends MemoryStore {
  away: CwmnError | null = null;
  override takeRateTokens(bucket: string, limit: RateLimit, now: number, n: number): Promise<RateTake> {
    return this.away ? Promise.reject(this.away) : super.takeRateTokens(bucket, limit, now, n);
  }
}

describe('bucket math', () => {
  const limit = { burst: 4, perSecond: 2 };
  it('refills linearly up to the burst, from full for a bucket never seen', () => {
    expect(refilled(undefined, limit, 5)).toEqual({ tokens: 4, at: 5 });
    expect(refilled({ tokens: 1, at: 0 }, limit, 500)).toEqual({ tokens: 2, at: 500 });
    expect(refilled({ tokens: 1, at: 0 }, limit, 60_000)).toEqual({ tokens: 4, at: 60_000 });
  });

  it('takes only what the bucket holds, and says when it is full again', () => {
    const taken = takeTokens(undefined, limit, 0, 3);
    expect(taken).toEqual({ state: { tokens: 1, at: 0 }, allowed: true });
    expect(takeTokens(taken.state, limit, 0, 2)).toEqual({ state: { tokens: 1, at: 0 }, allowed: false });
    expect(msUntilFull(taken.state, limit)).toBe(1500);
    expect(msUntilFull(refilled(taken.state, limit, 1500), limit)).toBe(0);
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then the sustained rate', () => {
    const c = clock();
    const bucket = new TokenBucket({ burst: 3, perSecond: 2 }, c.now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    c.advance(499);
    expect(bucket.take()).toBe(false);
    c.advance(1);
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });

  it('never holds more than the burst', () => {
    const c = clock();
    const bucket = new TokenBucket({ burst: 2, perSecond: 100 }, c.now);
    c.advance(60_000);
    expect(bucket.isFull()).toBe(true);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
  });
});

describe('KeyedRateLimiter', () => {
  it('keeps one bucket per key and forgets full ones on sweep', async () => {
    const c = clock();
    const limiter = new KeyedRateLimiter({ burst: 1, perSecond: 1 }, c.now);
    expect(await limiter.take('a')).toBe(true);
    expect(await limiter.take('a')).toBe(false);
    expect(await limiter.take('b')).toBe(true);
    expect(limiter.size).toBe(2);
    limiter.sweep();
    expect(limiter.size).toBe(2);
    c.advance(1000);
    limiter.sweep();
    expect(limiter.size).toBe(0);
    expect(await limiter.take('a')).toBe(true);
  });

  it('sweeps at most the given number of buckets per call, going on where the last call stopped', async () => {
    const c = clock();
    const limiter = new KeyedRateLimiter({ burst: 1, perSecond: 1 }, c.now);
    for (let i = 0; i < 10; i++) await limiter.take(`k${i}`);
    c.advance(1000); // Every bucket is full again.
    limiter.sweep(4);
    expect(limiter.size).toBe(6);
    await limiter.take('new'); // Added behind the sweep: looked at in this round too.
    limiter.sweep(4);
    expect(limiter.size).toBe(3);
    limiter.sweep(4);
    expect(limiter.size).toBe(1); // k8, k9 and 'new' looked at; 'new' is not full yet.
    c.advance(1000);
    limiter.sweep(4); // The round had reached its end: a new one begins.
    expect(limiter.size).toBe(0);
  });
});

describe('limiter in the store', () => {
  it('answers every call as the in-process limiter does', async () => {
    const c = clock();
    const limit = { burst: 5, perSecond: 3 };
    const local = new KeyedRateLimiter(limit, c.now);
    const shared = storeRateLimiters({ store: new MemoryStore(), log: () => {}, now: c.now })('test', limit, 'fail');
    // A fixed pseudo-random walk of takes, looks and pauses over three keys.
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    for (let step = 0; step < 2000; step++) {
      const key = `k${next() % 3}`;
      const what = next() % 10;
      if (what < 6) expect(await shared.take(key)).toBe(await local.take(key));
      else if (what < 8) expect(await shared.msUntilToken(key)).toBe(await local.msUntilToken(key));
      else c.advance(next() % 700);
    }
  });

  it('keeps the buckets of two limiters apart', async () => {
    const limiters = storeRateLimiters({ store: new MemoryStore(), log: () => {} });
    const a = limiters('a', { burst: 1, perSecond: 0.001 }, 'fail');
    const b = limiters('b', { burst: 1, perSecond: 0.001 }, 'fail');
    expect([await a.take('ip'), await a.take('ip'), await b.take('ip')]).toEqual([true, false, true]);
  });

  it('lets calls through while the store is away when told to, saying so in the log now and then; else fails them', async () => {
    const c = clock();
    const store = new FlakyStore();
    const lines: { message: string; level?: string }[] = [];
    const limiters = storeRateLimiters({ store, log: (message, fields) => lines.push({ message, level: fields?.level }), now: c.now });
    const opens = limiters('socket-open', { burst: 1, perSecond: 0.001 }, 'allow');
    const creations = limiters('create-session', { burst: 1, perSecond: 0.001 }, 'fail');
    expect(await opens.take('ip')).toBe(true);
    expect(await opens.take('ip')).toBe(false);
    store.away = new CwmnError(ErrorCode.SERVER, 'The store is unavailable');
    expect(await Promise.all([opens.take('ip'), opens.take('ip'), opens.take('ip')])).toEqual([true, true, true]);
    expect(await opens.msUntilToken('ip')).toBe(0);
    expect(lines).toEqual([{ message: expect.stringMatching(/^rate limit socket-open: the store is unavailable .*1 call\(s\) let through/), level: 'warn' }]);
    c.advance(UNAVAILABLE_LOG_MS);
    await opens.take('ip');
    expect(lines[1]?.message).toMatch(/4 call\(s\) let through/);
    await expect(creations.take('ip')).rejects.toMatchObject({ code: ErrorCode.SERVER });
    // Other errors are not the store being away: they are never let through.
    store.away = new CwmnError(ErrorCode.INVALID_STATE, 'The store is closed');
    await expect(opens.take('ip')).rejects.toMatchObject({ code: ErrorCode.INVALID_STATE });
    store.away = null;
    expect(await opens.take('ip')).toBe(false);
  });
});
