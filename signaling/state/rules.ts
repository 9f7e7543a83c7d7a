// The decisions the store's atomic operations make, as pure functions of the
// records: one definition, whichever store runs them, and readable by the
// services that only need to explain a refusal.

import type { HostInviteRecord, LinkRecord, SessionRecord } from './records.js';

/** Why a link does not admit a guest. */
export type AdmissionRefusal = 'invalid' | 'revoked' | 'ended' | 'used' | 'expired' | 'full';

/** Why a hosting invite cannot be claimed. */
export type InviteRefusal = 'revoked' | 'used' | 'expired' | 'ended';

/**
 * Why `link` does not admit one more guest at `now`, or null when it does. In
 * this order: no link or session → invalid; turned off → revoked; session over
 * → ended; then, for a one-time link, spent → used and too old → expired; last,
 * `present` guests already at `maxGuests` → full. A public link is never spent
 * and expires only with its session.
 */
export function admissionRefusal(
  link: LinkRecord | undefined, session: SessionRecord | undefined, now: number, present: number, maxGuests: number | null,
): AdmissionRefusal | null {
  if (!link || !session) return 'invalid';
  if (link.revokedAt !== null) return 'revoked';
  if (session.endedAt !== null) return 'ended';
  if (link.kind === 'private') {
    if (link.usedAt !== null) return 'used';
    if (now >= link.expiresAt) return 'expired';
  }
  if (maxGuests !== null && present >= maxGuests) return 'full';
  return null;
}

/** Why `invite` cannot be claimed at `now`, or null when it can. In this order: withdrawn, claimed, expired, session over. */
export function inviteRefusal(invite: HostInviteRecord, session: SessionRecord, now: number): InviteRefusal | null {
  if (invite.revokedAt !== null) return 'revoked';
  if (invite.claimedAt !== null) return 'used';
  // An invitation ends no later than its session: an unclaimed one whose session ran out has expired.
  if (now >= invite.expiresAt) return 'expired';
  if (session.endedAt !== null) return 'ended';
  return null;
}

/** The name of guest number `n` who gave none. */
export function defaultGuestName(n: number): string {
  return `Guest ${n}`;
}

/** The claim tokens of an invite once `tokenHash` is added: the first (the host link's), the latest `keep` others, the new one. */
export function withClaimTokenHash(tokenHashes: readonly string[], tokenHash: string, keep: number): string[] {
  const [first, ...fromCode] = tokenHashes;
  return [first as string, ...(keep > 0 ? fromCode.slice(-keep) : []), tokenHash];
}
