// Invite links: one-time links made by a host (by hand or sent by email/SMS),
// spent by the first guest who presents the token over the socket (never by an
// HTTP GET: mail scanners prefetch links; see GuestService.admit), and the
// session's reusable public link (see public-links.ts).

import { ErrorCode, type WireError } from '../src/protocol/index.js';
import type { Clock } from './rate-limit.js';
import { endedError } from './sessions.js';
import type { LinkRecord, SessionRecord } from './state/records.js';
import type { AdmissionRefusal } from './state/rules.js';
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

/** The refusal of a guest joining a session that has as many guests as its domain allows. */
export const SESSION_FULL_REFUSAL = { code: ErrorCode.SESSION_FULL, message: 'This session is full' } as const satisfies WireError;

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

/** Makes and revokes invite links, and says why one does not admit a guest. */
export class LinkService {
  private readonly now: Clock;

  constructor(private readonly options: LinkServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Makes a one-time link to `sessionId`, expiring after the configured TTL. */
  async create(sessionId: string): Promise<NewLink> {
    const { link, record } = this.prepare(sessionId);
    await this.options.store.createLink(record);
    return link;
  }

  /** A one-time link to `sessionId` and its record, not stored yet (see `create`). */
  prepare(sessionId: string): { link: NewLink; record: LinkRecord } {
    const token = randomToken();
    const createdAt = this.now();
    const expiresAt = createdAt + Math.round(this.options.linkTtlSeconds * 1000);
    const tokenHash = hashToken(token);
    const record: LinkRecord = { tokenHash, sessionId, kind: 'private', createdAt, expiresAt, usedAt: null, revokedAt: null };
    return { link: { url: this.urlOf(token), tokenHash, expiresAt }, record };
  }

  /** Turns a link off for good. No-op for an unknown or already revoked link. */
  async revoke(tokenHash: string): Promise<void> {
    await this.options.store.revokeLink(tokenHash, this.now());
  }

  /** The absolute URL of a link token. */
  urlOf(token: string): string {
    return `${this.options.publicUrl}${LINK_PATH_PREFIX}${token}`;
  }
}

/** What a guest is told when a link does not admit it (see `admissionRefusal` for the order of the checks). */
export function admissionError(reason: AdmissionRefusal, link: LinkRecord | undefined, session: SessionRecord | undefined): WireError {
  switch (reason) {
    case 'invalid': return LINK_REFUSALS.invalid;
    case 'revoked': return link?.kind === 'public' ? LINK_REFUSALS.revokedPublic : LINK_REFUSALS.revokedPrivate;
    case 'ended': return session ? endedError(session) : LINK_REFUSALS.invalid;
    case 'used': return LINK_REFUSALS.used;
    case 'expired': return LINK_REFUSALS.expired;
    case 'full': return SESSION_FULL_REFUSAL;
  }
}
