// Guests as the server remembers them: admitted with a secret resume token
// (only its hash is stored), so that the same guest can come back after a
// lost socket, a viewer reload or a server restart, until it leaves for good.

import { cleanName, ErrorCode, type GuestRecord, type WireError } from '../src/protocol/index.js';
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

/** A guest just admitted, with its resume token (given to the guest once, never stored). */
export interface AdmittedGuest {
  record: GuestRecord;
  resumeToken: string;
}

/** Result of a resume attempt. */
export type ResumeCheck = { ok: true; session: SessionRecord; guest: GuestRecord } | { ok: false; error: WireError };

/** Admits, resumes and lets go of guests. */
export class GuestService {
  private readonly now: Clock;

  constructor(private readonly options: GuestServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Admits a guest to a running session: numbers it ("Guest N" when it has no name) and stores it. */
  admit(session: SessionRecord, name: string): AdmittedGuest {
    const n = this.options.sessions.admitGuest(session);
    const resumeToken = randomToken();
    const record: GuestStoreRecord = {
      id: randomId(),
      sessionId: session.id,
      name: cleanName(name) || `Guest ${n}`,
      joinedAt: this.now(),
      resumeTokenHash: hashToken(resumeToken),
      leftAt: null,
    };
    this.options.store.putGuest(record);
    return { record: publicRecord(record), resumeToken };
  }

  /**
   * Checks a guest's claim to come back. Refusals, in this order: unknown
   * guest or session → ERR_NOT_FOUND; wrong token → ERR_FORBIDDEN; removed by
   * the host → ERR_LINK_REVOKED; session over → ERR_SESSION_ENDED; left for
   * good (its grace ran out) → ERR_NOT_FOUND.
   */
  checkResume(guestId: string, resumeToken: string): ResumeCheck {
    const stored = this.options.store.getGuest(guestId);
    const session = stored && this.options.sessions.get(stored.sessionId);
    if (!stored || !session) return { ok: false, error: RESUME_REFUSALS.unknown };
    if (!tokenMatches(resumeToken, stored.resumeTokenHash)) return { ok: false, error: RESUME_REFUSALS.forbidden };
    if (session.removedGuestIds.includes(guestId)) return { ok: false, error: RESUME_REFUSALS.removed };
    if (session.endedAt !== null) return { ok: false, error: endedError(session) };
    if (stored.leftAt !== null) return { ok: false, error: RESUME_REFUSALS.left };
    return { ok: true, session, guest: publicRecord(stored) };
  }

  /** Notes that a guest left for good (its grace ran out, or the host removed it). No-op when unknown or gone already. */
  markLeft(guestId: string): void {
    const stored = this.options.store.getGuest(guestId);
    if (stored && stored.leftAt === null) this.options.store.putGuest({ ...stored, leftAt: this.now() });
  }

  /** The guests still in a session (not left), in join order. */
  present(sessionId: string): GuestRecord[] {
    return this.options.store.allGuests()
      .filter((g) => g.sessionId === sessionId && g.leftAt === null)
      .sort((a, b) => a.joinedAt - b.joinedAt)
      .map(publicRecord);
  }
}

/** What host and guest may see of a stored guest. */
function publicRecord(stored: GuestStoreRecord): GuestRecord {
  return { id: stored.id, name: stored.name, joinedAt: stored.joinedAt };
}
