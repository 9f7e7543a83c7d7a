// Session lifecycle: creation, host authentication, ending (by the host or at
// expiry), and one expiry timer per running session, kept in the store (so
// that one server fires it; see timers.ts) and set again after a restart.

import {
  CwmnError, ErrorCode, type EndReason, type SessionInfo, type WireError,
} from '../src/protocol/index.js';
import type { LogFn } from './config.js';
import type { Clock } from './rate-limit.js';
import type { SessionRecord } from './state/records.js';
import type { Store } from './state/store.js';
import { hashToken, randomId, randomToken, tokenMatches } from './tokens.js';

/**
 * Sessions that `endInBackground` starts ending in one turn of the event loop;
 * more wait for the next turn, so that thousands ending together (a restart no
 * host comes back from) never hold up the server for long.
 */
export const ENDS_PER_TURN = 200;

/** Collaborators and settings of the session service. */
export interface SessionServiceOptions {
  store: Store;
  sessionMaxSeconds: number;
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

/** Hears that a session ended (see `SessionService.whenEnded`). */
export type EndedListener = (sessionId: string, reason: EndReason) => void;

/** Creates, authenticates, expires and ends sessions. */
export class SessionService {
  private readonly endedListeners: EndedListener[] = [];
  /** Ends asked for by `endInBackground`, not started yet. */
  private endQueue: { sessionId: string; reason: EndReason }[] = [];
  private draining = false;
  private readonly now: Clock;
  private closed = false;

  constructor(private readonly options: SessionServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Sets the expiry timer of every running session in the store (after a
   * restart, a one-process store has none); ends overdue ones at once.
   */
  async start(): Promise<void> {
    const overdue: string[] = [];
    const expiring: Promise<void>[] = [];
    for (const session of await this.options.store.allSessions()) {
      if (session.endedAt !== null) continue;
      if (session.expiresAt <= this.now()) overdue.push(session.id);
      else expiring.push(this.arm(session));
    }
    await Promise.all([...expiring, ...overdue.map((id) => this.end(id, 'expired'))]);
  }

  /** Calls `listener` once per session ended, after the end is stored (on the server that ended it). */
  whenEnded(listener: EndedListener): void {
    this.endedListeners.push(listener);
  }

  /** Registers a new session; returns it with its secret host token (not stored). */
  async create(params: NewSession): Promise<{ session: SessionRecord; hostToken: string }> {
    const made = this.prepare(params);
    await this.options.store.createSession(made.session);
    await this.started(made.session);
    return made;
  }

  /** A new session and its secret host token, not stored yet: store it, then call `started` (see `create`). */
  prepare(params: NewSession): { session: SessionRecord; hostToken: string } {
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
    return { session, hostToken };
  }

  /** A session made by `prepare` is stored: its expiry timer starts. */
  async started(session: SessionRecord): Promise<void> {
    await this.arm(session);
    this.options.log(`session ${session.id} created`, { sessionId: session.id });
  }

  /** The stored session, or undefined. */
  get(sessionId: string): Promise<SessionRecord | undefined> {
    return this.options.store.getSession(sessionId);
  }

  /** The session if it is still running; rejects with `ERR_SESSION_ENDED` (or `ERR_NOT_FOUND`) otherwise. */
  async running(sessionId: string): Promise<SessionRecord> {
    const session = await this.get(sessionId);
    if (!session) throw new CwmnError(ErrorCode.NOT_FOUND, 'No such session');
    if (session.endedAt !== null) {
      const { code, message } = endedError(session);
      throw new CwmnError(code, message);
    }
    return session;
  }

  /** The session as its host's code sees it. */
  async info(session: SessionRecord): Promise<SessionInfo> {
    const guests = await this.options.store.sessionGuests(session.id);
    return {
      sessionId: session.id,
      isReplay: session.isReplay,
      hostName: session.hostName,
      hostEmail: session.hostEmail,
      startedAt: session.startedAt,
      expiresAt: session.expiresAt,
      guestCount: guests.filter((g) => g.leftAt === null).length,
    };
  }

  /** Checks a host's claim to a session: it exists, the token matches, it has not ended. */
  async checkHost(sessionId: string, hostToken: string): Promise<HostCheck> {
    const session = await this.get(sessionId);
    if (!session) return { ok: false, error: { code: ErrorCode.NOT_FOUND, message: 'No such session' } };
    if (!tokenMatches(hostToken, session.hostTokenHash)) {
      return { ok: false, error: { code: ErrorCode.FORBIDDEN, message: 'The host token does not match this session' } };
    }
    if (session.endedAt !== null) return { ok: false, error: endedError(session) };
    return { ok: true, session };
  }

  /**
   * Ends a running session: stores the end, calls `stored` (if given), tells
   * the `whenEnded` listeners, cancels its expiry. False when it was not
   * running; whoever else (any server) tries to end it at the same time, only
   * one call ends it.
   */
  async end(sessionId: string, reason: EndReason, stored?: () => void): Promise<boolean> {
    const ended = await this.options.store.endSession(sessionId, reason, this.now());
    if (!ended) return false;
    stored?.();
    this.options.log(`session ${sessionId} ended (${reason})`, { sessionId });
    for (const listener of this.endedListeners) listener(sessionId, reason);
    await this.options.store.cancelTimer('expiry', sessionId);
    return true;
  }

  /**
   * Ends a session soon, for a timer or a request that does not wait for it
   * (at most `ENDS_PER_TURN` start per turn of the event loop). A failure is
   * logged, not thrown. Once closed, nothing more is ended.
   */
  endInBackground(sessionId: string, reason: EndReason): void {
    if (this.closed) return;
    this.endQueue.push({ sessionId, reason });
    if (this.draining) return;
    this.draining = true;
    setImmediate(() => this.drainEnds());
  }

  /** Number of sessions not ended. */
  async activeCount(): Promise<number> {
    return (await this.options.store.allSessions()).filter((s) => s.endedAt === null).length;
  }

  /** Ends nothing more. Idempotent; the stored sessions and their timers stay as they are. */
  close(): void {
    this.closed = true;
    this.endQueue = [];
  }

  private arm(session: SessionRecord): Promise<void> {
    return this.options.store.scheduleTimer({ kind: 'expiry', key: session.id, at: session.expiresAt });
  }

  private drainEnds(): void {
    const turn = this.endQueue.splice(0, ENDS_PER_TURN);
    for (const { sessionId, reason } of turn) {
      this.end(sessionId, reason).catch((err: unknown) => {
        this.options.log(`session ${sessionId} could not be ended (${reason}): ${(err as Error)?.stack ?? String(err)}`, { sessionId, level: 'error' });
      });
    }
    if (this.endQueue.length > 0) setImmediate(() => this.drainEnds());
    else this.draining = false;
  }
}

/** The error a client gets for an ended session, worded by why it ended. */
export function endedError(session: SessionRecord): WireError {
  const message = session.endReason === 'expired'
    ? 'The session has ended: it reached its maximum length'
    : 'The host ended the session';
  return { code: ErrorCode.SESSION_ENDED, message };
}
