import { describe, expect, it } from 'vitest';
import { KeyedRateLimiter, msUntilFull, refilled, takeTokens, TokenBucket } from '../../../signaling/rate-limit.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
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
  it('keeps one bucket per key and forgets full ones on sweep', () => {
    const c = clock();
    const limiter = new KeyedRateLimiter({ burst: 1, perSecond: 1 }, c.now);
    expect(limiter.take('a')).toBe(true);
    expect(limiter.take('a')).toBe(false);
    expect(limiter.take('b')).toBe(true);
    expect(limiter.size).toBe(2);
    limiter.sweep();
    expect(limiter.size).toBe(2);
    c.advance(1000);
    limiter.sweep();
    expect(limiter.size).toBe(0);
    expect(limiter.take('a')).toBe(true);
  });

  it('sweeps at most the given number of buckets per call, going on where the last call stopped', () => {
    const c = clock();
    const limiter = new KeyedRateLimiter({ burst: 1, perSecond: 1 }, c.now);
    for (let i = 0; i < 10; i++) limiter.take(`k${i}`);
    c.advance(1000); // Every bucket is full again.
    limiter.sweep(4);
    expect(limiter.size).toBe(6);
    limiter.take('new'); // Added behind the sweep: looked at in this round too.
    limiter.sweep(4);
    expect(limiter.size).toBe(3);
    limiter.sweep(4);
    expect(limiter.size).toBe(1); // k8, k9 and 'new' looked at; 'new' is not full yet.
    c.advance(1000);
    limiter.sweep(4); // The round had reached its end: a new one begins.
    expect(limiter.size).toBe(0);
  });
});
