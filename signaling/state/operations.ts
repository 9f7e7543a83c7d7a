// What each of the store's atomic operations does, as pure functions: given
// the records the operation read, the result it returns and the records it
// writes. Every store runs these same functions (the memory store on its
// maps, a shared store on what it read and then checks is unchanged when it
// writes), so an operation is defined once, whichever store runs it.

import type { EndReason } from '../../src/protocol/index.js';
import { msUntilFull, msUntilToken, takeTokens, type BucketState, type RateLimit } from '../rate-limit.js';
import type { GuestStoreRecord, HandoffRecord, HostInviteRecord, LinkRecord, SessionRecord } from './records.js';
import { admissionRefusal, defaultGuestName, inviteRefusal, withClaimTokenHash } from './rules.js';
import { hashToken } from '../tokens.js';
import type {
  AdmissionResult, ChangeSet, GuestAdmission, InviteResult, NewHostInvite, NewPublicLink, PublicLinkResult, RateTake, SocketHolder,
} from './store.js';

/** What an operation decided: the result to return, and the records to write (whole; none when nothing changes). */
export interface Decision<R> {
  result: R;
  put: ChangeSet['put'];
}

/** The result of `createHostInvite`. */
export type HostInviteCreation = { ok: true } | { ok: false; reason: 'code-in-use' };

/** A hosting invite and its session (undefined when the session is gone). */
export interface InviteWithSession {
  invite: HostInviteRecord;
  session: SessionRecord | undefined;
}

const unchanged = <R>(result: R): Decision<R> => ({ result, put: {} });

/** True when the decision writes nothing. */
export function writesNothing(decision: Decision<unknown>): boolean {
  return Object.values(decision.put).every((rows) => rows.length === 0);
}

/** Whether an admission's decision depends on how many guests are present (it does only when there is a limit). */
export function countsPresentGuests(admission: GuestAdmission): boolean {
  return admission.maxGuests !== null;
}

/** How many of `guests` have not left. */
export function presentGuests(guests: readonly GuestStoreRecord[]): number {
  return guests.reduce((n, g) => (g.leftAt === null ? n + 1 : n), 0);
}

/** Whether `invite` can still be claimed at `now` (so its join code is in use). */
export function isClaimable({ invite, session }: InviteWithSession, now: number): boolean {
  return session !== undefined && inviteRefusal(invite, session, now) === null;
}

/** Stores the invite with its session and links, unless another invite with its join code (`sameCode`) is claimable. */
export function createHostInvite(made: NewHostInvite, now: number, sameCode: readonly InviteWithSession[]): Decision<HostInviteCreation> {
  if (made.invite.joinCodeHash !== null && sameCode.some((i) => isClaimable(i, now))) return unchanged({ ok: false, reason: 'code-in-use' });
  return {
    result: { ok: true },
    put: { sessions: [copySession(made.session)], links: made.links.map((l) => ({ ...l })), hostInvites: [copyInvite(made.invite)] },
  };
}

/**
 * Admits a guest through `link` (of `session`), `present` guests being there
 * (only read when `countsPresentGuests`): spends a one-time link, counts the
 * guest on the session, stores it; or refuses (see `admissionRefusal`).
 */
export function admitGuest(
  admission: GuestAdmission, link: LinkRecord | undefined, session: SessionRecord | undefined, present: number,
): Decision<AdmissionResult> {
  const reason = admissionRefusal(link, session, admission.now, present, admission.maxGuests);
  if (reason !== null || !link || !session) {
    return unchanged({ ok: false, reason: reason ?? 'invalid', ...(session ? { session } : {}), ...(link ? { link } : {}) });
  }
  const guestSeq = session.guestSeq + 1;
  const counted: SessionRecord = { ...session, guestSeq };
  const spent: LinkRecord = link.kind === 'private' ? { ...link, usedAt: admission.now } : link;
  const guest: GuestStoreRecord = {
    ...admission.guest, name: admission.guest.name || defaultGuestName(guestSeq), sessionId: session.id, leftAt: null,
  };
  return {
    result: { ok: true, session: counted, link: spent, guest },
    put: { sessions: [counted], guests: [guest], ...(spent === link ? {} : { links: [spent] }) },
  };
}

/** The guest leaves for good at `at`; false when it is unknown or had left already. */
export function markGuestLeft(guest: GuestStoreRecord | undefined, at: number): Decision<boolean> {
  if (!guest || guest.leftAt !== null) return unchanged(false);
  return { result: true, put: { guests: [{ ...guest, leftAt: at }] } };
}

/** The host removed guest `guestId` from session `sessionId`: remembered on the session, and the guest (if of that session) leaves at `at`. */
export function removeGuest(
  session: SessionRecord | undefined, guest: GuestStoreRecord | undefined, sessionId: string, guestId: string, at: number,
): Decision<void> {
  const put: ChangeSet['put'] = {};
  if (session && !session.removedGuestIds.includes(guestId)) {
    put.sessions = [{ ...session, removedGuestIds: [...session.removedGuestIds, guestId] }];
  }
  if (guest && guest.sessionId === sessionId && guest.leftAt === null) put.guests = [{ ...guest, leftAt: at }];
  return { result: undefined, put };
}

/** Ends a running session: the ended record, or null when it was not running. */
export function endSession(session: SessionRecord | undefined, reason: EndReason, at: number): Decision<SessionRecord | null> {
  if (!session || session.endedAt !== null) return unchanged(null);
  const ended: SessionRecord = { ...session, endedAt: at, endReason: reason };
  return { result: ended, put: { sessions: [ended] } };
}

/** Turns a link off at `at`; false when it is unknown or off already. */
export function revokeLink(link: LinkRecord | undefined, at: number): Decision<boolean> {
  if (!link || link.revokedAt !== null) return unchanged(false);
  return { result: true, put: { links: [{ ...link, revokedAt: at }] } };
}

/** The hash of the session's public link token, or null while it has none: the link `setPublicLink` turns off. */
export function publicLinkHash(session: SessionRecord): string | null {
  return session.publicLinkToken === null ? null : hashToken(session.publicLinkToken);
}

/** Turns the session's public link on (`link`) or off (`null`; `current` is the link on now, see `publicLinkHash`). */
export function setPublicLink(
  session: SessionRecord | undefined, link: NewPublicLink | null, now: number, current: LinkRecord | undefined,
): Decision<PublicLinkResult> {
  if (!session) return unchanged({ ok: false, reason: 'not-found' });
  if (session.endedAt !== null) return unchanged({ ok: false, reason: 'ended', session });
  if ((link !== null) === (session.publicLinkToken !== null)) return unchanged({ ok: true, session });
  if (link !== null) {
    const next: SessionRecord = { ...session, publicLinkToken: link.token };
    const made: LinkRecord = {
      tokenHash: link.tokenHash, sessionId: session.id, kind: 'public', createdAt: now, expiresAt: session.expiresAt, usedAt: null, revokedAt: null,
    };
    return { result: { ok: true, session: next }, put: { sessions: [next], links: [made] } };
  }
  const next: SessionRecord = { ...session, publicLinkToken: null };
  const revoked = current && current.revokedAt === null ? [{ ...current, revokedAt: now }] : [];
  return { result: { ok: true, session: next }, put: { sessions: [next], ...(revoked.length > 0 ? { links: revoked } : {}) } };
}

/** Claims the invite found by one of its tokens (null: none): its session gets `hostTokenHash`, the invite is claimed at `now`. */
export function claimHostInvite(found: InviteWithSession | null, hostTokenHash: string, now: number): Decision<InviteResult> {
  if (!found?.session) return unchanged({ ok: false, reason: 'invalid' });
  const { invite, session } = found;
  const reason = inviteRefusal(invite, session, now);
  if (reason !== null) return unchanged({ ok: false, reason, invite, session });
  const claimedSession: SessionRecord = { ...session, hostTokenHash };
  const claimed: HostInviteRecord = { ...invite, claimedAt: now };
  return { result: { ok: true, session: claimedSession, invite: claimed }, put: { sessions: [claimedSession], hostInvites: [claimed] } };
}

/** Adds a claim token to an invite that can still be claimed (see `withClaimTokenHash`). */
export function addHostInviteToken(found: InviteWithSession | null, tokenHash: string, keep: number, now: number): Decision<InviteResult> {
  if (!found?.session) return unchanged({ ok: false, reason: 'invalid' });
  const { invite, session } = found;
  const reason = inviteRefusal(invite, session, now);
  if (reason !== null) return unchanged({ ok: false, reason, invite, session });
  const next: HostInviteRecord = { ...invite, tokenHashes: withClaimTokenHash(invite.tokenHashes, tokenHash, keep) };
  return { result: { ok: true, session, invite: next }, put: { hostInvites: [next] } };
}

/** Withdraws an invite at `at`; nothing when it is unknown or withdrawn already. */
export function revokeHostInvite(invite: HostInviteRecord | undefined, at: number): Decision<void> {
  if (!invite || invite.revokedAt !== null) return unchanged(undefined);
  return { result: undefined, put: { hostInvites: [{ ...invite, revokedAt: at }] } };
}

/** What `holdHost`/`holdGuest` resolve to, `previous` being the place's holder before `holder` took it. */
export function replacedHolder(previous: SocketHolder | null, holder: SocketHolder): SocketHolder | null {
  return previous === holder ? null : previous;
}

/** The handoff if it is live at `now` (else undefined: it expired, a store may not have dropped it yet). */
export function liveHandoff(handoff: HandoffRecord | undefined, now: number): HandoffRecord | undefined {
  return handoff && now < handoff.expiresAt ? handoff : undefined;
}

/** How long a handoff stored at `now` is kept: until its `expiresAt` (at least a millisecond). */
export function handoffTtlMs(handoff: HandoffRecord, now: number): number {
  return Math.max(1, handoff.expiresAt - now);
}

/** What `takeRateTokens` decided: its result, and the bucket to keep for `ttlMs` (until full again); null: forget the bucket. */
export interface RateDecision {
  result: RateTake;
  keep: { state: BucketState; ttlMs: number } | null;
}

/**
 * Takes `n` tokens from a bucket (undefined: never seen, or forgotten once
 * full), keeping it as refilled whatever the outcome, exactly as an in-process
 * bucket does (so both give the same answers to the last rounding); a bucket
 * full again is forgotten, being the same as one never seen.
 */
export function takeRateTokens(state: BucketState | undefined, limit: RateLimit, now: number, n: number): RateDecision {
  const take = takeTokens(state, limit, now, n);
  const result = { allowed: take.allowed, msUntilToken: msUntilToken(take.state, limit) };
  const ttlMs = msUntilFull(take.state, limit);
  return { result, keep: ttlMs > 0 ? { state: take.state, ttlMs } : null };
}

/** A copy of a session record that shares no array with it. */
export function copySession(record: SessionRecord): SessionRecord {
  return { ...record, removedGuestIds: [...record.removedGuestIds] };
}

/** A copy of an invite record that shares no array with it. */
export function copyInvite(record: HostInviteRecord): HostInviteRecord {
  return { ...record, tokenHashes: [...record.tokenHashes] };
}
