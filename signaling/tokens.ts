// Random secrets and ids, and how secrets are kept: only their hash is stored,
// and hashes are compared in constant time.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { TOKEN_BYTES } from '../src/protocol/index.js';

/** Bytes of randomness in a session or guest id (16 base64url characters). */
export const ID_BYTES = 12;

/** A secret of `TOKEN_BYTES` random bytes, base64url (host tokens, link tokens). */
export function randomToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** A public id for a session or a guest; matches the protocol's `isId`. */
export function randomId(): string {
  return randomBytes(ID_BYTES).toString('base64url');
}

/** SHA-256 of a secret, base64url: what the store keeps instead of the secret. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/** True when `token` hashes to `expectedHash`; constant time in the token's content. */
export function tokenMatches(token: string, expectedHash: string): boolean {
  const actual = Buffer.from(hashToken(token), 'utf8');
  const expected = Buffer.from(expectedHash, 'utf8');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
