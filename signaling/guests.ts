// Guests as the server remembers them: admitted with a secret resume token
// (only its hash is stored), so that the same guest can come back after a
// lost socket, a viewer reload or a server restart, until it leaves for good.

import { cleanName, ErrorCode, isToken, type GuestRecord, type WireError } from '../src/protocol/index.js';
import { admissionError, LINK_REFUSALS } from './links.js';
import type { Clock } from './rate-limit.js';
import { endedError, type SessionService } from './sessions.js';
import type { GuestStoreRecord, SessionRecord } from './state/records.js';
import type { Store } from './state/store.js';
import { hashToken, randomId, randomToken, tokenMatches } from './tokens.js';

/** Refusals of a `guest-resume`, one per reason. */
export const RESUME_REFUSALS = {
  unknown: { code: ErrorCode.NOT_FOUND, message: 'This guest is not known here: open your invite link again' },
  forbidden: { code: ErrorCode.FORBIDDEN, message: 'The resume token does not match this guest' },
  removed: { code: ErrorCode.LINK_REVOKED, message: 'You were removed from the session' },
  left: { code: ErrorCode.NOT_FOUND, message: 'You left the session: ask the host for a new invite link' },
} as const satisfies Record<string, WireError>;

/** Collaborators of the guest service. */
export interface GuestServiceOptions {
  store: Store;
  sessions: SessionService;
  now?: Clock;
}

/** A guest just admitted, with its session and its resume token (given to the guest once, never stored). */
export type Admission =
  | { ok: true; session: SessionRecord; record: GuestRecord; resumeToken: string }
  | { ok: false; error: WireError };

/** Result of a resume attempt. */
export type ResumeCheck = { ok: true; session: SessionRecord; guest: GuestRecord } | { ok: false; error: WireError };

/** Admits, resumes and lets go of guests. */
export class GuestService {
  private readonly now: Clock;

  constructor(private readonly options: GuestServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Admits a guest presenting link `token` under the name it gave ("Guest N"
   * when none), at most `maxGuestsOf(session)` guests in the session at once
   * (null: no limit). A one-time link admits one guest ever, however many
   * present it at the same time. Refusals: see `admissionRefusal` (a full
   * session does not spend the link).
   */
  async admit(token: string, name: string, maxGuestsOf: (session: SessionRecord) => number | null = () => null): Promise<Admission> {
    const { store } = this.options;
    if (!isToken(token)) return { ok: false, error: LINK_REFUSALS.invalid };
    const linkTokenHash = hashToken(token);
    // The limit follows the session's origin, which never changes: reading it first is safe.
    const link = await store.getLink(linkTokenHash);
    const session = link && await store.getSession(link.sessionId);
    const resumeToken = randomToken();
    const result = await store.admitGuest({
      linkTokenHash,
      guest: { id: randomId(), name: cleanName(name), joinedAt: this.now(), resumeTokenHash: hashToken(resumeToken) },
      maxGuests: session ? maxGuestsOf(session) : null,
      now: this.now(),
    });
    if (!result.ok) return { ok: false, error: admissionError(result.reason, result.link, result.session) };
    return { ok: true, session: result.session, record: publicRecord(result.guest), resumeToken };
  }

  /**
   * Checks a guest's claim to come back. Refusals, in this order: unknown
   * guest or session → ERR_NOT_FOUND; wrong token → ERR_FORBIDDEN; removed by
   * the host → ERR_LINK_REVOKED; session over → ERR_SESSION_ENDED; left for
   * good (its grace ran out) → ERR_NOT_FOUND.
   */
  async checkResume(guestId: string, resumeToken: string): Promise<ResumeCheck> {
    const stored = await this.options.store.getGuest(guestId);
    const session = stored && await this.options.sessions.get(stored.sessionId);
    if (!stored || !session) return { ok: false, error: RESUME_REFUSALS.unknown };
    if (!tokenMatches(resumeToken, stored.resumeTokenHash)) return { ok: false, error: RESUME_REFUSALS.forbidden };
    if (session.removedGuestIds.includes(guestId)) return { ok: false, error: RESUME_REFUSALS.removed };
    if (session.endedAt !== null) return { ok: false, error: endedError(session) };
    if (stored.leftAt !== null) return { ok: false, error: RESUME_REFUSALS.left };
    return { ok: true, session, guest: publicRecord(stored) };
  }

  /** Notes that a guest left for good (its grace ran out); false when unknown or gone already. */
  markLeft(guestId: string): Promise<boolean> {
    return this.options.store.markGuestLeft(guestId, this.now());
  }

  /** The host removed a guest: it leaves, and is refused if it comes back. */
  async remove(sessionId: string, guestId: string): Promise<void> {
    await this.options.store.removeGuest(sessionId, guestId, this.now());
  }

  /** The guests still in a session (not left), in join order. */
  async present(sessionId: string): Promise<GuestRecord[]> {
    return (await this.options.store.sessionGuests(sessionId))
      .filter((g) => g.leftAt === null)
      .sort((a, b) => a.joinedAt - b.joinedAt)
      .map(publicRecord);
  }
}

/** What host and guest may see of a stored guest. */
function publicRecord(stored: GuestStoreRecord): GuestRecord {
  return { id: stored.id, name: stored.name, joinedAt: stored.joinedAt };
}
