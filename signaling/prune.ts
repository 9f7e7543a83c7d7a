// Forgetting records that no longer matter, so `state.json` does not grow forever.

import type { Store } from './state/store.js';

/** Ended sessions and dead links are kept this long, so old links still say why they fail: 7 days. */
export const RECORD_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** How often the server prunes its store: hourly. */
export const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Deletes sessions ended more than `retentionMs` ago, links and hosting invites
 * expired more than `retentionMs` ago, and links, guests and hosting invites
 * whose session is gone. Returns how many records went.
 */
export function pruneStore(store: Store, now: number, retentionMs: number = RECORD_RETENTION_MS): number {
  let removed = 0;
  store.batch(() => {
    for (const s of store.allSessions()) {
      if (s.endedAt !== null && s.endedAt + retentionMs < now) {
        store.deleteSession(s.id);
        removed += 1;
      }
    }
    for (const l of store.allLinks()) {
      if (l.expiresAt + retentionMs < now || !store.getSession(l.sessionId)) {
        store.deleteLink(l.tokenHash);
        removed += 1;
      }
    }
    for (const g of store.allGuests()) {
      if (!store.getSession(g.sessionId)) {
        store.deleteGuest(g.id);
        removed += 1;
      }
    }
    for (const i of store.allHostInvites()) {
      if (i.expiresAt + retentionMs < now || !store.getSession(i.sessionId)) {
        store.deleteHostInvite(i.id);
        removed += 1;
      }
    }
  });
  return removed;
}
