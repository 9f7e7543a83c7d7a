import { afterEach, describe, expect, it } from 'vitest';
import { GuestService } from '../../../signaling/guests.js';
import { LinkService } from '../../../signaling/links.js';
import { PublicLinkService } from '../../../signaling/public-links.js';
import { SessionService } from '../../../signaling/sessions.js';
import { MemoryStore } from '../../../signaling/state/memory-store.js';
import type { ChangeSet } from '../../../signaling/state/store.js';

const services: SessionService[] = [];
afterEach(() => {
  for (const s of services.splice(0)) s.close();
});

async function setup() {
  let now = 1_000_000;
  const clock = () => now;
  const writes: ChangeSet[] = [];
  const store = new MemoryStore(undefined, { write: async (changes) => { writes.push(changes); } });
  const sessions = new SessionService({
    store, sessionMaxSeconds: 60, log: () => {}, now: clock,
  });
  services.push(sessions);
  const links = new LinkService({ store, linkTtlSeconds: 10, publicUrl: 'https://co.example', now: clock });
  const publicLinks = new PublicLinkService({ store, links, now: clock });
  const guests = new GuestService({ store, sessions, now: clock });
  const { session } = await sessions.create({ hostName: 'Ada', hostEmail: '', isReplay: false, origin: '' });
  const admit = (url: string | null) => guests.admit(tokenOf(url), '');
  return { store, sessions, links, publicLinks, guests, admit, session, writes, advance: (ms: number) => { now += ms; } };
}

const tokenOf = (url: string | null) => (url ?? '').split('/').pop()!;

describe('link refusals', () => {
  it('refuses in the order invalid → revoked → session ended → used → expired', async () => {
    const { sessions, links, publicLinks, session, admit, advance } = await setup();
    const used = await links.create(session.id);
    const usedAndRevoked = await links.create(session.id);
    expect((await admit(used.url)).ok).toBe(true);
    expect((await admit(usedAndRevoked.url)).ok).toBe(true);
    await links.revoke(usedAndRevoked.tokenHash);
    const expiring = await links.create(session.id);
    const publicUrl = (await publicLinks.setEnabled(session.id, true)).url;
    await publicLinks.setEnabled(session.id, false);

    expect(await admit('A'.repeat(32))).toMatchObject({ ok: false, error: { code: 'ERR_LINK_INVALID' } });
    expect(await admit(publicUrl)).toEqual({
      ok: false, error: { code: 'ERR_LINK_REVOKED', message: 'The host turned this link off.' },
    });
    expect(await admit(usedAndRevoked.url)).toMatchObject({ ok: false, error: { code: 'ERR_LINK_REVOKED' } });
    expect(await admit(used.url)).toMatchObject({ ok: false, error: { code: 'ERR_LINK_USED' } });
    advance(10_000);
    expect(await admit(expiring.url)).toMatchObject({ ok: false, error: { code: 'ERR_LINK_EXPIRED' } });
    await sessions.end(session.id, 'host-ended');
    expect(await admit(used.url)).toMatchObject({ ok: false, error: { code: 'ERR_SESSION_ENDED' } });
    expect(await admit(publicUrl)).toMatchObject({ ok: false, error: { code: 'ERR_LINK_REVOKED' } });
  });

  it('says a withdrawn one-time link could not be delivered', async () => {
    const { links, session, admit } = await setup();
    const link = await links.create(session.id);
    await links.revoke(link.tokenHash);
    await links.revoke(link.tokenHash); // Idempotent.
    expect(await admit(link.url)).toEqual({
      ok: false, error: { code: 'ERR_LINK_REVOKED', message: 'This link was withdrawn: its invite could not be delivered.' },
    });
  });
});

describe('PublicLinkService', () => {
  it('issues one reusable link that is never spent and does not expire with the link TTL', async () => {
    const { publicLinks, session, store, admit, advance } = await setup();
    expect(publicLinks.state(session)).toEqual({ enabled: false, url: null });
    const on = await publicLinks.setEnabled(session.id, true);
    expect(on.url).toMatch(/^https:\/\/co\.example\/s\/[A-Za-z0-9_-]{32}$/);
    expect(publicLinks.state((await store.getSession(session.id))!)).toEqual(on);
    advance(30_000); // Past the 10 s one-time link TTL, within the session.
    for (let i = 0; i < 3; i++) expect(await admit(on.url)).toMatchObject({ ok: true });
    const stored = (await store.allLinks()).filter((l) => l.kind === 'public');
    expect(stored).toMatchObject([{ usedAt: null, revokedAt: null }]);
  });

  it('is a no-op when set to its current value, storing nothing', async () => {
    const { publicLinks, session, writes } = await setup();
    const before = writes.length;
    expect(await publicLinks.setEnabled(session.id, false)).toEqual({ enabled: false, url: null });
    expect(writes.length).toBe(before);
    const on = await publicLinks.setEnabled(session.id, true);
    expect(writes.length).toBe(before + 1); // Link and session in one write.
    expect(await publicLinks.setEnabled(session.id, true)).toEqual(on);
    expect(writes.length).toBe(before + 1);
  });

  it('gives one link to hosts asking at the same time', async () => {
    const { publicLinks, session, store } = await setup();
    const states = await Promise.all(Array.from({ length: 10 }, () => publicLinks.setEnabled(session.id, true)));
    expect(new Set(states.map((s) => s.url)).size).toBe(1);
    expect((await store.allLinks()).filter((l) => l.kind === 'public')).toHaveLength(1);
  });

  it('revokes on disable and issues a new link on enable', async () => {
    const { publicLinks, session, admit } = await setup();
    const first = await publicLinks.setEnabled(session.id, true);
    await publicLinks.setEnabled(session.id, false);
    const second = await publicLinks.setEnabled(session.id, true);
    expect(second.url).not.toBe(first.url);
    expect(await admit(first.url)).toMatchObject({ ok: false, error: { code: 'ERR_LINK_REVOKED' } });
    expect((await admit(second.url)).ok).toBe(true);
  });

  it('refuses a session that has ended', async () => {
    const { sessions, publicLinks, session } = await setup();
    await sessions.end(session.id, 'expired');
    await expect(publicLinks.setEnabled(session.id, true)).rejects.toMatchObject({ code: 'ERR_SESSION_ENDED' });
    await expect(publicLinks.setEnabled('unknown-session', true)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
  });
});
