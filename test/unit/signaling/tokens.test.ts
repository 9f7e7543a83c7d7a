import { describe, expect, it } from 'vitest';
import { isId, isToken, TOKEN_BYTES } from '../../../src/protocol/index.js';
import { hashToken, randomId, randomToken, tokenMatches } from '../../../signaling/tokens.js';

describe('tokens', () => {
  it('makes tokens of TOKEN_BYTES random bytes that the protocol accepts', () => {
    const token = randomToken();
    expect(Buffer.from(token, 'base64url')).toHaveLength(TOKEN_BYTES);
    expect(isToken(token)).toBe(true);
    expect(new Set(Array.from({ length: 100 }, randomToken)).size).toBe(100);
  });

  it('makes ids the protocol accepts', () => {
    for (let i = 0; i < 50; i++) expect(isId(randomId())).toBe(true);
  });

  it('matches a token against its hash only', () => {
    const token = randomToken();
    const hash = hashToken(token);
    expect(hash).not.toContain(token);
    expect(tokenMatches(token, hash)).toBe(true);
    expect(tokenMatches(randomToken(), hash)).toBe(false);
    expect(tokenMatches(token, 'short')).toBe(false);
  });
});
