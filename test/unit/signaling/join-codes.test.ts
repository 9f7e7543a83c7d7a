import { describe, expect, it } from 'vitest';
import { JOIN_CODE_ALPHABET, normalizeJoinCode } from '../../../src/protocol/index.js';
import { JOIN_CODE_LENGTH, randomJoinCode, WRONG_CODE_LIMIT } from '../../../signaling/join-codes.js';
import { KeyedRateLimiter } from '../../../signaling/rate-limit.js';

describe('randomJoinCode', () => {
  it('draws 8 characters of the alphabet, every one of them in use, already normalized', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const code = randomJoinCode();
      expect(code).toHaveLength(JOIN_CODE_LENGTH);
      expect(normalizeJoinCode(code)).toBe(code);
      for (const ch of code) seen.add(ch);
    }
    expect([...seen].sort().join('')).toBe([...JOIN_CODE_ALPHABET].sort().join(''));
    // 31^8 ≈ 8.5e11: the guessing math in join-codes.ts rests on it.
    expect(JOIN_CODE_ALPHABET.length ** JOIN_CODE_LENGTH).toBeGreaterThan(8.5e11);
  });
});

describe('WRONG_CODE_LIMIT', () => {
  it('allows 10 wrong codes, then one a minute', async () => {
    let t = 0;
    const limiter = new KeyedRateLimiter(WRONG_CODE_LIMIT, () => t);
    for (let i = 0; i < 10; i++) expect(await limiter.take('ip')).toBe(true);
    expect(await limiter.msUntilToken('ip')).toBe(60_000);
    t += 30_000;
    expect(await limiter.msUntilToken('ip')).toBe(30_000);
    t += 30_000;
    expect(await limiter.msUntilToken('ip')).toBe(0);
    expect(await limiter.msUntilToken('other')).toBe(0);
  });
});
