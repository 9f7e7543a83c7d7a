// The public link of a session: at most one reusable link, on or off. Turning
// it off revokes it for good; turning it on again issues a new link, so a link
// once shared and withdrawn can never let anyone in again.

import type { PublicLinkState } from '../src/protocol/index.js';
import type { LinkService } from './links.js';
import type { SessionService } from './sessions.js';
import type { SessionRecord } from './state/records.js';
import type { Store } from './state/store.js';
import { hashToken } from './tokens.js';

/** Collaborators of the public link service. */
export interface PublicLinkServiceOptions {
  store: Store;
  sessions: SessionService;
  links: LinkService;
}

/** Turns sessions' public links on and off. */
export class PublicLinkService {
  constructor(private readonly options: PublicLinkServiceOptions) {}

  /** The public link of `session` as its host sees it. */
  state(session: SessionRecord): PublicLinkState {
    const token = session.publicLinkToken;
    return token === null ? { enabled: false, url: null } : { enabled: true, url: this.options.links.urlOf(token) };
  }

  /**
   * Turns the public link of a running session on or off and returns the new
   * state. Asking for the current state changes nothing (enabling twice gives
   * the same URL). Throws `ERR_SESSION_ENDED` when the session is over.
   */
  setEnabled(sessionId: string, enabled: boolean): PublicLinkState {
    const { store, sessions, links } = this.options;
    return store.batch(() => {
      const session = sessions.running(sessionId);
      const current = session.publicLinkToken;
      if (enabled === (current !== null)) return this.state(session);
      let next: SessionRecord;
      if (enabled) {
        next = { ...session, publicLinkToken: links.createPublic(session) };
      } else {
        links.revoke(hashToken(current as string));
        next = { ...session, publicLinkToken: null };
      }
      store.putSession(next);
      return this.state(next);
    });
  }
}
