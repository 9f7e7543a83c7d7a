// Session lifecycle: creation, host authentication, ending (by the host or at
// expiry), and one expiry timer per running session, re-armed after a restart.

import {
  CwmnError, ErrorCode, type EndReason, type SessionInfo, type WireError,
} from '../src/protocol/index.js';
import type { LogFn } from './config.js';
import type { Clock } from './rate-limit.js';
import type { SessionRecord } from './state/records.js';
import type { Store } from './state/store.js';
import { hashToken, randomId, randomToken, tokenMatches } from './tokens.js';

/** Longest delay a Node timer accepts; longer expiries are re-armed in steps. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Collaborators and settings of the session service. */
export interface SessionServiceOptions {
  store: Store;
  sessionMaxSeconds: number;
  /** Current number of connected guests of a session (live presence is not stored). */
  countGuests: (sessionId: string) => number;
  /** Called once when a session ends, after the end is stored. */
  onEnded: (sessionId: string, reason: EndReason) => void;
  log: LogFn;
  now?: Clock;
}

/** What `session.start` asks for, already validated and cleaned. */
export interface NewSession {
  hostName: string;
  hostEmail: string;
  isReplay: boolean;
  origin: string;
  /** Length limit of this session, in seconds, when not the service's `sessionMaxSeconds` (replays). */
  maxSeconds?: number;
}

/** Result of checking a host's credentials. */
export type HostCheck = { ok: true; session: SessionRecord } | { ok: false; error: WireError };

/** Creates, authenticates, expires and ends sessions. */
export class SessionService {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly now: Clock;
  private closed = false;

  constructor(private readonly options: SessionServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Arms expiry timers for every running session in the store (after a restart); ends overdue ones at once. */
  start(): void {
    for (const session of this.options.store.allSessions()) {
      if (session.endedAt !== null) continue;
      if (session.expiresAt <= this.now()) this.end(session.id, 'expired');
      else this.arm(session.id, session.expiresAt);
    }
  }

  /** Registers a new session; returns it with its secret host token (not stored). */
  create(params: NewSession): { session: SessionRecord; hostToken: string } {
    const hostToken = randomToken();
    const startedAt = this.now();
    const session: SessionRecord = {
      id: randomId(),
      isReplay: params.isReplay,
      hostName: params.hostName,
      hostEmail: params.hostEmail,
      origin: params.origin,
      hostTokenHash: hashToken(hostToken),
      startedAt,
      expiresAt: startedAt + Math.round((params.maxSeconds ?? this.options.sessionMaxSeconds) * 1000),
      endedAt: null,
      endReason: null,
      guestSeq: 0,
      publicLinkToken: null,
      removedGuestIds: [],
    };
    this.options.store.putSession(session);
    this.arm(session.id, session.expiresAt);
    this.options.log(`session ${session.id} created`);
    return { session, hostToken };
  }

  /** The stored session, or undefined. */
  get(sessionId: string): SessionRecord | undefined {
    return this.options.store.getSession(sessionId);
  }

  /** The session if it is still running; throws `ERR_SESSION_ENDED` (or `ERR_NOT_FOUND`) otherwise. */
  running(sessionId: string): SessionRecord {
    const session = this.get(sessionId);
    if (!session) throw new CwmnError(ErrorCode.NOT_FOUND, 'No such session');
    if (session.endedAt !== null) {
      const { code, message } = endedError(session);
      throw new CwmnError(code, message);
    }
    return session;
  }

  /** The session as its host's code sees it. */
  info(session: SessionRecord): SessionInfo {
    return {
      sessionId: session.id,
      isReplay: session.isReplay,
      hostName: session.hostName,
      hostEmail: session.hostEmail,
      startedAt: session.startedAt,
      expiresAt: session.expiresAt,
      guestCount: this.options.countGuests(session.id),
    };
  }

  /** Checks a host's claim to a session: it exists, the token matches, it has not ended. */
  checkHost(sessionId: string, hostToken: string): HostCheck {
    const session = this.get(sessionId);
    if (!session) return { ok: false, error: { code: ErrorCode.NOT_FOUND, message: 'No such session' } };
    if (!tokenMatches(hostToken, session.hostTokenHash)) {
      return { ok: false, error: { code: ErrorCode.FORBIDDEN, message: 'The host token does not match this session' } };
    }
    if (session.endedAt !== null) return { ok: false, error: endedError(session) };
    return { ok: true, session };
  }

  /** Counts one more admitted guest; returns its number (for "Guest N"). */
  admitGuest(session: SessionRecord): number {
    const guestSeq = session.guestSeq + 1;
    this.options.store.putSession({ ...session, guestSeq });
    return guestSeq;
  }

  /** Remembers that the host removed `guestId`, so that guest can be refused if it comes back. */
  recordRemovedGuest(sessionId: string, guestId: string): void {
    const session = this.get(sessionId);
    if (!session || session.removedGuestIds.includes(guestId)) return;
    this.options.store.putSession({ ...session, removedGuestIds: [...session.removedGuestIds, guestId] });
  }

  /** True when the host removed `guestId` from the session. */
  wasRemoved(sessionId: string, guestId: string): boolean {
    return this.get(sessionId)?.removedGuestIds.includes(guestId) ?? false;
  }

  /** Ends a running session: stores the end, stops its timer, calls `onEnded`. False when it was not running. */
  end(sessionId: string, reason: EndReason): boolean {
    const session = this.get(sessionId);
    if (!session || session.endedAt !== null) return false;
    this.disarm(sessionId);
    this.options.store.putSession({ ...session, endedAt: this.now(), endReason: reason });
    this.options.log(`session ${sessionId} ended (${reason})`);
    this.options.onEnded(sessionId, reason);
    return true;
  }

  /** Number of sessions not ended. */
  activeCount(): number {
    return this.options.store.allSessions().filter((s) => s.endedAt === null).length;
  }

  /** Stops every timer. Idempotent; the stored sessions stay as they are. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private arm(sessionId: string, expiresAt: number): void {
    if (this.closed) return;
    this.disarm(sessionId);
    const delay = Math.max(0, expiresAt - this.now());
    const timer = setTimeout(() => {
      this.timers.delete(sessionId);
      if (this.now() < expiresAt) this.arm(sessionId, expiresAt);
      else this.end(sessionId, 'expired');
    }, Math.min(delay, MAX_TIMER_MS));
    this.timers.set(sessionId, timer);
  }

  private disarm(sessionId: string): void {
    clearTimeout(this.timers.get(sessionId));
    this.timers.delete(sessionId);
  }
}

/** The error a client gets for an ended session, worded by why it ended. */
export function endedError(session: SessionRecord): WireError {
  const message = session.endReason === 'expired'
    ? 'The session has ended: it reached its maximum length'
    : 'The host ended the session';
  return { code: ErrorCode.SESSION_ENDED, message };
}
