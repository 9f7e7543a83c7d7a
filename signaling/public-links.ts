// The public link of a session: at most one reusable link, on or off. Turning
// it off revokes it for good; turning it on again issues a new link, so a link
// once shared and withdrawn can never let anyone in again.

import { CwmnError, ErrorCode, type PublicLinkState } from '../src/protocol/index.js';
import type { LinkService } from './links.js';
import type { Clock } from './rate-limit.js';
import { endedError } from './sessions.js';
import type { SessionRecord } from './state/records.js';
import type { Store } from './state/store.js';
import { hashToken, randomToken } from './tokens.js';

/** Collaborators of the public link service. */
export interface PublicLinkServiceOptions {
  store: Store;
  links: LinkService;
  now?: Clock;
}

/** Turns sessions' public links on and off. */
export class PublicLinkService {
  private readonly now: Clock;

  constructor(private readonly options: PublicLinkServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The public link of `session` as its host sees it. */
  state(session: SessionRecord): PublicLinkState {
    const token = session.publicLinkToken;
    return token === null ? { enabled: false, url: null } : { enabled: true, url: this.options.links.urlOf(token) };
  }

  /**
   * Turns the public link of a running session on or off and resolves to the
   * new state. Asking for the current state changes nothing (enabling twice
   * gives the same URL). Rejects with `ERR_SESSION_ENDED` when the session is
   * over, `ERR_NOT_FOUND` when there is none.
   */
  async setEnabled(sessionId: string, enabled: boolean): Promise<PublicLinkState> {
    const token = randomToken();
    const change = await this.options.store.setPublicLink(sessionId, enabled ? { token, tokenHash: hashToken(token) } : null, this.now());
    if (change.ok) return this.state(change.session);
    if (change.reason === 'not-found') throw new CwmnError(ErrorCode.NOT_FOUND, 'No such session');
    const { code, message } = endedError(change.session);
    throw new CwmnError(code, message);
  }
}
