import { describe, expect, it } from 'vitest';
import { pruneStore } from '../../../signaling/prune.js';
import type { SessionRecord } from '../../../signaling/state/records.js';
import { MemoryStore } from '../../../signaling/state/memory-store.js';

const base: SessionRecord = {
  id: 'session-a', isReplay: false, hostName: 'Ada', hostEmail: '', origin: '', hostTokenHash: 'h'.repeat(43),
  startedAt: 0, expiresAt: 100, endedAt: null, endReason: null, guestSeq: 0, publicLinkToken: null, removedGuestIds: [],
};
const link = { kind: 'private', revokedAt: null } as const;

describe('pruneStore', () => {
  it('forgets long-ended sessions and long-dead links, keeping recent ones', async () => {
    const store = new MemoryStore({
      sessions: [
        { ...base, id: 'running' },
        { ...base, id: 'ended-old', endedAt: 100, endReason: 'expired' },
        { ...base, id: 'ended-new', endedAt: 900, endReason: 'host-ended' },
      ],
      links: [
        { ...link, tokenHash: 'l1', sessionId: 'running', createdAt: 0, expiresAt: 100, usedAt: null },
        { ...link, tokenHash: 'l2', sessionId: 'running', createdAt: 0, expiresAt: 900, usedAt: 50 },
        { ...link, tokenHash: 'l3', sessionId: 'ended-old', createdAt: 0, expiresAt: 2000, usedAt: null },
      ],
    });

    const removed = await pruneStore(store, 1000, 500);
    expect(removed).toBe(3);
    expect((await store.allSessions()).map((s) => s.id).sort()).toEqual(['ended-new', 'running']);
    expect((await store.allLinks()).map((l) => l.tokenHash)).toEqual(['l2']);
  });

  it('forgets guests and hosting invites with their session, and long-dead invites', async () => {
    const guest = { name: 'Bea', joinedAt: 0, resumeTokenHash: 'r'.repeat(43), leftAt: null };
    const invite = { url: 'https://a.example/', joinCodeHash: null, createdAt: 0, claimedAt: null, revokedAt: null };
    const store = new MemoryStore({
      sessions: [{ ...base, id: 'running' }],
      guests: [{ ...guest, id: 'g-kept', sessionId: 'running' }, { ...guest, id: 'g-orphan', sessionId: 'gone' }],
      hostInvites: [
        { ...invite, id: 'i-kept', sessionId: 'running', tokenHashes: ['t1'], expiresAt: 900 },
        { ...invite, id: 'i-old', sessionId: 'running', tokenHashes: ['t2'], expiresAt: 100 },
        { ...invite, id: 'i-orphan', sessionId: 'gone', tokenHashes: ['t3'], expiresAt: 900 },
      ],
    });

    expect(await pruneStore(store, 1000, 500)).toBe(3);
    expect((await store.allGuests()).map((g) => g.id)).toEqual(['g-kept']);
    expect((await store.allHostInvites()).map((i) => i.id)).toEqual(['i-kept']);
    expect(await pruneStore(store, 1000, 500)).toBe(0);
  });

  it('keeps what has no session yet while it is young: a session made after the sessions were read, on another server', async () => {
    const guest = { name: 'Bea', resumeTokenHash: 'r'.repeat(43), leftAt: null };
    const store = new MemoryStore({
      links: [{ ...link, tokenHash: 'young', sessionId: 'made-meanwhile', createdAt: 900, expiresAt: 2000, usedAt: null }],
      guests: [{ ...guest, id: 'g-young', sessionId: 'made-meanwhile', joinedAt: 950 }],
    });
    expect(await pruneStore(store, 1000, 500)).toBe(0);
    expect(await pruneStore(store, 1600, 500)).toBe(2);
  });
});
