// One-time invite links: made by a host, spent by the first guest who presents
// the token over the socket (never by an HTTP GET: mail scanners prefetch links).

import { ErrorCode, isToken, type WireError } from '../src/protocol/index.js';
import type { Clock } from './rate-limit.js';
import { endedError } from './sessions.js';
import type { LinkRecord, SessionRecord } from './state/records.js';
import type { Store } from './state/store.js';
import { hashToken, randomToken } from './tokens.js';

/** Path prefix of invite links: `${publicUrl}/s/<token>`. */
export const LINK_PATH_PREFIX = '/s/';

/** Collaborators and settings of the link service. */
export interface LinkServiceOptions {
  store: Store;
  linkTtlSeconds: number;
  /** Base of link URLs, without trailing slash. */
  publicUrl: string;
  now?: Clock;
}

/** A link as handed to the host. */
export interface NewLink {
  url: string;
  expiresAt: number;
}

/** Result of presenting a link token. */
export type Redemption = { ok: true; session: SessionRecord; link: LinkRecord } | { ok: false; error: WireError };

/** Makes and spends one-time invite links. */
export class LinkService {
  private readonly now: Clock;

  constructor(private readonly options: LinkServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Makes a one-time link to `sessionId`. */
  create(sessionId: string): NewLink {
    const token = randomToken();
    const createdAt = this.now();
    const expiresAt = createdAt + Math.round(this.options.linkTtlSeconds * 1000);
    this.options.store.putLink({ tokenHash: hashToken(token), sessionId, createdAt, expiresAt, usedAt: null });
    return { url: `${this.options.publicUrl}${LINK_PATH_PREFIX}${token}`, expiresAt };
  }

  /**
   * Checks `token` and, when it is good, spends it. Failures, in this order:
   * unknown or malformed → ERR_LINK_INVALID; session over → ERR_SESSION_ENDED;
   * spent → ERR_LINK_USED; too old → ERR_LINK_EXPIRED.
   */
  redeem(token: string): Redemption {
    const link = isToken(token) ? this.options.store.getLink(hashToken(token)) : undefined;
    const session = link && this.options.store.getSession(link.sessionId);
    if (!link || !session) return { ok: false, error: { code: ErrorCode.LINK_INVALID, message: 'This link is not valid' } };
    if (session.endedAt !== null) return { ok: false, error: endedError(session) };
    if (link.usedAt !== null) return { ok: false, error: { code: ErrorCode.LINK_USED, message: 'This link was already used' } };
    const now = this.now();
    if (now >= link.expiresAt) return { ok: false, error: { code: ErrorCode.LINK_EXPIRED, message: 'This link has expired' } };
    const spent = { ...link, usedAt: now };
    this.options.store.putLink(spent);
    return { ok: true, session, link: spent };
  }
}
