// Carrying a host's session to another origin of the same site. The embed keeps
// the host token in the page's sessionStorage, which is per origin: a page of
// another origin cannot find it. So a page whose session may go on elsewhere
// holds a handoff token (one per session; asking again replaces it), leaves it
// in `window.name` when the tab navigates away, and the next page trades it
// here for the host token, once, if its origin is the session's own or one of
// its `siteOrigins`. The store keeps the token's hash and the host token
// sealed with a key derived from the token (what it holds opens nothing
// alone), until the session ends or expires: shared by the servers of a
// deployment, a token made on one is traded once on any. The one-server store
// keeps handoffs in memory only: after a restart a page asks for a new one.

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { CwmnError, ErrorCode } from '../src/protocol/index.js';
import type { DomainSettings } from './domain-settings.js';
import type { OriginPolicy } from './origins.js';
import type { Clock } from './rate-limit.js';
import type { HandoffRecord, SessionRecord } from './state/records.js';
import type { Store } from './state/store.js';
import type { SessionService } from './sessions.js';
import { hashToken, randomToken } from './tokens.js';

/** Collaborators of the handoff service. */
export interface HandoffServiceOptions {
  /** Where handoffs are kept (`putHandoff` and its siblings). */
  store: Store;
  sessions: SessionService;
  domains: DomainSettings;
  origins: OriginPolicy;
  now?: Clock;
}

/** The handoff tokens of running sessions. */
export class HandoffService {
  private readonly now: Clock;

  constructor(private readonly options: HandoffServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * A new handoff token for the session, replacing its last one. Rejects with the host
   * check's error, or `ERR_NOT_SUPPORTED` when the session's origin lists no other origins.
   */
  async issue(sessionId: string, hostToken: string): Promise<string> {
    const check = await this.options.sessions.checkHost(sessionId, hostToken);
    if (!check.ok) throw new CwmnError(check.error.code, check.error.message);
    if (this.siteOrigins(check.session).length === 0) {
      throw new CwmnError(ErrorCode.NOT_SUPPORTED, 'This site lists no other origins for its sessions to continue on');
    }
    const token = randomToken();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', sealingKey(token), iv);
    const sealed = Buffer.concat([cipher.update(hostToken, 'utf8'), cipher.final()]);
    const handoff: HandoffRecord = {
      tokenHash: hashToken(token), sessionId, iv: iv.toString('base64url'), sealed: sealed.toString('base64url'),
      tag: cipher.getAuthTag().toString('base64url'), expiresAt: check.session.expiresAt,
    };
    await this.options.store.putHandoff(handoff, this.now()); // Replaces the session's last one.
    return token;
  }

  /** A handoff token for a session just created, when its origin lists other origins (else undefined). */
  async offer(session: SessionRecord, hostToken: string): Promise<string | undefined> {
    return this.siteOrigins(session).length > 0 ? this.issue(session.id, hostToken) : undefined;
  }

  /**
   * Trades a handoff token for its session, once, for a page of `origin`. Rejects with
   * `ERR_NOT_FOUND` (unknown, used, replaced, or its session ended), `ERR_UNAUTHORIZED`
   * (an origin the server does not allow) or `ERR_FORBIDDEN` (not one of the session's site's origins).
   */
  async redeem(token: string, origin: string | undefined): Promise<{ session: SessionRecord; hostToken: string }> {
    if (!this.options.origins.isAllowed(origin)) {
      throw new CwmnError(ErrorCode.UNAUTHORIZED, 'This origin may not host sessions on this server');
    }
    const { store } = this.options;
    const hash = hashToken(token);
    const invalid = () => new CwmnError(ErrorCode.NOT_FOUND, 'This handoff is not valid: it was used, replaced, its session ended, or the server restarted');
    const found = await store.getHandoff(hash, this.now());
    if (!found) throw invalid();
    const session = await this.options.sessions.get(found.sessionId);
    // Forgotten with its session (the server that ended it drops it, maybe not yet).
    if (!session || session.endedAt !== null) {
      await this.forget(found.sessionId);
      throw invalid();
    }
    // A page of another origin does not spend the token: the right page may still come.
    if (origin !== session.origin && !this.siteOrigins(session).includes(origin ?? '')) {
      throw new CwmnError(ErrorCode.FORBIDDEN, 'This origin is not one of the site origins of the session');
    }
    // Another page may be trading the same token meanwhile, on this server or another: only one takes it.
    const handoff = await store.takeHandoff(hash, this.now());
    if (!handoff) throw invalid();
    const decipher = createDecipheriv('aes-256-gcm', sealingKey(token), Buffer.from(handoff.iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(handoff.tag, 'base64url'));
    const hostToken = Buffer.concat([decipher.update(Buffer.from(handoff.sealed, 'base64url')), decipher.final()]).toString('utf8');
    return { session, hostToken };
  }

  /** Drops the session's handoff (it ended). Rejects with the store's error; the handoff then goes at the session's expiry. */
  forget(sessionId: string): Promise<void> {
    return this.options.store.dropHandoff(sessionId);
  }

  private siteOrigins(session: SessionRecord): string[] {
    return this.options.domains.rulesFor(session.origin).siteOrigins;
  }
}

/** The key a handoff's host token is sealed with: from the token, never equal to its stored hash. */
function sealingKey(token: string): Buffer {
  return createHash('sha256').update('cwmn handoff seal\0').update(token, 'utf8').digest();
}
