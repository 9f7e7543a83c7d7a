// Join codes of hosting invites: short, human-friendly, random; and the guard
// against guessing them (wrong codes are rate limited per client address).
//
// The math: a server-made code is 8 characters of a 31-letter alphabet, so
// 31^8 ≈ 8.5e11 codes. One address may try 10 wrong codes, then one more per
// minute (≈ 1,450 a day). With L live codes, each guess hits one with
// probability L / 8.5e11: over a day, one address finds one of 1,000 live codes
// with probability ≈ 1,450 × 1,000 / 8.5e11 ≈ 1.7e-6; it takes ≈ 590 addresses
// guessing all day for a 1-in-1,000 chance. Codes expire with their invite
// (24 h by default) and die once the invite is claimed. A caller's own code may
// be as short as 6 characters (31^6 ≈ 8.9e8, about 1,000 times weaker): prefer
// server-made codes.

import { randomInt } from 'node:crypto';
import { JOIN_CODE_ALPHABET } from '../src/protocol/index.js';
import type { RateLimit } from './rate-limit.js';

/** Length of a server-made join code. */
export const JOIN_CODE_LENGTH = 8;
/** Wrong codes one address may try before it must wait. */
export const WRONG_CODES_PER_WINDOW = 10;
/** The window over which wrong codes are counted: 10 minutes. */
export const WRONG_CODE_WINDOW_MS = 10 * 60 * 1000;
/** Wrong join codes per address: 10 at once, then one more per minute (10 per 10 minutes). */
export const WRONG_CODE_LIMIT: RateLimit = {
  burst: WRONG_CODES_PER_WINDOW, perSecond: WRONG_CODES_PER_WINDOW / (WRONG_CODE_WINDOW_MS / 1000),
};

/** A server-made join code: `JOIN_CODE_LENGTH` characters of the alphabet, each drawn uniformly with crypto randomness. */
export function randomJoinCode(): string {
  let code = '';
  for (let i = 0; i < JOIN_CODE_LENGTH; i++) code += JOIN_CODE_ALPHABET[randomInt(JOIN_CODE_ALPHABET.length)];
  return code;
}
