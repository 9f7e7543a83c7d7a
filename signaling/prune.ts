// Forgetting records that no longer matter, so `state.json` does not grow forever.

import type { RecordKeys, Store } from './state/store.js';

/** Ended sessions and dead links are kept this long, so old links still say why they fail: 7 days. */
export const RECORD_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** How often the store is pruned (by one server of a deployment): hourly. */
export const PRUNE_INTERVAL_MS = 60 * 60 * 1000;
/** Key of the stored timer of the next pruning (kind `prune`). */
export const PRUNE_TIMER_KEY = 'store';

/**
 * Deletes sessions ended more than `retentionMs` ago, links and hosting invites
 * expired more than `retentionMs` ago, and links, guests and hosting invites
 * whose session goes now, or is gone and they are older than `retentionMs`
 * (a younger one may belong to a session made after the sessions were read:
 * another server serves on meanwhile), in one change. Resolves to how many records went.
 */
export async function pruneStore(store: Store, now: number, retentionMs: number = RECORD_RETENTION_MS): Promise<number> {
  const sessions = await store.allSessions();
  const known = new Set(sessions.map((s) => s.id));
  const keys: Required<RecordKeys> = { sessions: [], links: [], guests: [], hostInvites: [] };
  for (const s of sessions) if (s.endedAt !== null && s.endedAt + retentionMs < now) keys.sessions.push(s.id);
  const going = new Set(keys.sessions);
  const orphan = (sessionId: string, since: number) => going.has(sessionId) || (!known.has(sessionId) && since + retentionMs < now);
  for (const l of await store.allLinks()) {
    if (l.expiresAt + retentionMs < now || orphan(l.sessionId, l.createdAt)) keys.links.push(l.tokenHash);
  }
  for (const g of await store.allGuests()) {
    if (orphan(g.sessionId, g.joinedAt)) keys.guests.push(g.id);
  }
  for (const i of await store.allHostInvites()) {
    if (i.expiresAt + retentionMs < now || orphan(i.sessionId, i.createdAt)) keys.hostInvites.push(i.id);
  }
  const removed = keys.sessions.length + keys.links.length + keys.guests.length + keys.hostInvites.length;
  if (removed > 0) await store.deleteRecords(keys);
  return removed;
}
