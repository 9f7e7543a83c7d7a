// Invite links: one-time links made by a host (by hand or sent by email/SMS),
// spent by the first guest who presents the token over the socket (never by an
// HTTP GET: mail scanners prefetch links), and the session's reusable public link.

import { ErrorCode, isToken, type WireError } from '../src/protocol/index.js';
import type { Clock } from './rate-limit.js';
import { endedError } from './sessions.js';
import type { LinkRecord, SessionRecord } from './state/records.js';
import type { Store } from './state/store.js';
import { hashToken, randomToken } from './tokens.js';

/** Path prefix of invite links: `${publicUrl}/s/<token>`. */
export const LINK_PATH_PREFIX = '/s/';

/** Guest-readable refusals, one per reason a link does not admit. */
export const LINK_REFUSALS = {
  invalid: { code: ErrorCode.LINK_INVALID, message: 'This link is not valid' },
  revokedPublic: { code: ErrorCode.LINK_REVOKED, message: 'The host turned this link off.' },
  revokedPrivate: { code: ErrorCode.LINK_REVOKED, message: 'This link was withdrawn: its invite could not be delivered.' },
  used: { code: ErrorCode.LINK_USED, message: 'This link was already used' },
  expired: { code: ErrorCode.LINK_EXPIRED, message: 'This link has expired' },
} as const satisfies Record<string, WireError>;

/** Collaborators and settings of the link service. */
export interface LinkServiceOptions {
  store: Store;
  linkTtlSeconds: number;
  /** Base of link URLs, without trailing slash. */
  publicUrl: string;
  now?: Clock;
}

/** A one-time link as handed to the host. */
export interface NewLink {
  url: string;
  /** Hash of the token: names the link for `revoke`. */
  tokenHash: string;
  expiresAt: number;
}

/** Result of presenting a link token. */
export type Redemption = { ok: true; session: SessionRecord; link: LinkRecord } | { ok: false; error: WireError };

/** Makes, revokes and spends invite links. */
export class LinkService {
  private readonly now: Clock;

  constructor(private readonly options: LinkServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Makes a one-time link to `sessionId`, expiring after the configured TTL. */
  create(sessionId: string): NewLink {
    const token = randomToken();
    const createdAt = this.now();
    const expiresAt = createdAt + Math.round(this.options.linkTtlSeconds * 1000);
    const tokenHash = hashToken(token);
    this.options.store.putLink({ tokenHash, sessionId, kind: 'private', createdAt, expiresAt, usedAt: null, revokedAt: null });
    return { url: this.urlOf(token), tokenHash, expiresAt };
  }

  /** Makes a reusable public link to `session`; it lives as long as the session. Returns its token. */
  createPublic(session: SessionRecord): string {
    const token = randomToken();
    this.options.store.putLink({
      tokenHash: hashToken(token), sessionId: session.id, kind: 'public',
      createdAt: this.now(), expiresAt: session.expiresAt, usedAt: null, revokedAt: null,
    });
    return token;
  }

  /** Turns a link off for good. No-op for an unknown or already revoked link. */
  revoke(tokenHash: string): void {
    const link = this.options.store.getLink(tokenHash);
    if (link && link.revokedAt === null) this.options.store.putLink({ ...link, revokedAt: this.now() });
  }

  /** The absolute URL of a link token. */
  urlOf(token: string): string {
    return `${this.options.publicUrl}${LINK_PATH_PREFIX}${token}`;
  }

  /**
   * Checks `token` and, when it is good, spends it (one-time links only).
   * Failures, in this order: unknown or malformed → ERR_LINK_INVALID; turned
   * off → ERR_LINK_REVOKED; session over → ERR_SESSION_ENDED; spent →
   * ERR_LINK_USED; too old → ERR_LINK_EXPIRED; then whatever `refuse` says of
   * the session (e.g. it is full), without spending the link. A public link is
   * never spent and expires only with its session.
   */
  redeem(token: string, refuse: (session: SessionRecord) => WireError | null = () => null): Redemption {
    const link = isToken(token) ? this.options.store.getLink(hashToken(token)) : undefined;
    const session = link && this.options.store.getSession(link.sessionId);
    if (!link || !session) return { ok: false, error: LINK_REFUSALS.invalid };
    if (link.revokedAt !== null) {
      return { ok: false, error: link.kind === 'public' ? LINK_REFUSALS.revokedPublic : LINK_REFUSALS.revokedPrivate };
    }
    if (session.endedAt !== null) return { ok: false, error: endedError(session) };
    if (link.kind === 'public') {
      const refusal = refuse(session);
      return refusal ? { ok: false, error: refusal } : { ok: true, session, link };
    }
    if (link.usedAt !== null) return { ok: false, error: LINK_REFUSALS.used };
    const now = this.now();
    if (now >= link.expiresAt) return { ok: false, error: LINK_REFUSALS.expired };
    const refusal = refuse(session);
    if (refusal) return { ok: false, error: refusal };
    const spent = { ...link, usedAt: now };
    this.options.store.putLink(spent);
    return { ok: true, session, link: spent };
  }
}
