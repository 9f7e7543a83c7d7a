import { afterEach, describe, expect, it } from 'vitest';
import { LinkService } from '../../../signaling/links.js';
import { PublicLinkService } from '../../../signaling/public-links.js';
import { SessionService } from '../../../signaling/sessions.js';
import { MemoryStore } from '../../../signaling/state/store.js';
import type { ChangeSet } from '../../../signaling/state/store.js';

const services: SessionService[] = [];
afterEach(() => {
  for (const s of services.splice(0)) s.close();
});

function setup() {
  let now = 1_000_000;
  const clock = () => now;
  const writes: ChangeSet[] = [];
  const store = new MemoryStore(undefined, { write: (changes) => writes.push(changes) });
  const sessions = new SessionService({
    store, sessionMaxSeconds: 60, countGuests: () => 0, onEnded: () => {}, log: () => {}, now: clock,
  });
  services.push(sessions);
  const links = new LinkService({ store, linkTtlSeconds: 10, publicUrl: 'https://co.example', now: clock });
  const publicLinks = new PublicLinkService({ store, sessions, links });
  const { session } = sessions.create({ hostName: 'Ada', hostEmail: '', isReplay: false, origin: '' });
  return { store, sessions, links, publicLinks, session, writes, advance: (ms: number) => { now += ms; } };
}

const tokenOf = (url: string | null) => (url ?? '').split('/').pop()!;

describe('LinkService refusals', () => {
  it('refuses in the order invalid → revoked → session ended → used → expired', () => {
    const { sessions, links, publicLinks, session, advance } = setup();
    const used = links.create(session.id);
    const usedAndRevoked = links.create(session.id);
    expect(links.redeem(tokenOf(used.url)).ok).toBe(true);
    expect(links.redeem(tokenOf(usedAndRevoked.url)).ok).toBe(true);
    links.revoke(usedAndRevoked.tokenHash);
    const expiring = links.create(session.id);
    const publicUrl = publicLinks.setEnabled(session.id, true).url;
    publicLinks.setEnabled(session.id, false);

    expect(links.redeem('A'.repeat(32))).toMatchObject({ ok: false, error: { code: 'ERR_LINK_INVALID' } });
    expect(links.redeem(tokenOf(publicUrl))).toEqual({
      ok: false, error: { code: 'ERR_LINK_REVOKED', message: 'The host turned this link off.' },
    });
    expect(links.redeem(tokenOf(usedAndRevoked.url))).toMatchObject({ ok: false, error: { code: 'ERR_LINK_REVOKED' } });
    expect(links.redeem(tokenOf(used.url))).toMatchObject({ ok: false, error: { code: 'ERR_LINK_USED' } });
    advance(10_000);
    expect(links.redeem(tokenOf(expiring.url))).toMatchObject({ ok: false, error: { code: 'ERR_LINK_EXPIRED' } });
    sessions.end(session.id, 'host-ended');
    expect(links.redeem(tokenOf(used.url))).toMatchObject({ ok: false, error: { code: 'ERR_SESSION_ENDED' } });
    expect(links.redeem(tokenOf(publicUrl))).toMatchObject({ ok: false, error: { code: 'ERR_LINK_REVOKED' } });
  });

  it('says a withdrawn one-time link could not be delivered', () => {
    const { links, session } = setup();
    const link = links.create(session.id);
    links.revoke(link.tokenHash);
    links.revoke(link.tokenHash); // Idempotent.
    expect(links.redeem(tokenOf(link.url))).toEqual({
      ok: false, error: { code: 'ERR_LINK_REVOKED', message: 'This link was withdrawn: its invite could not be delivered.' },
    });
  });
});

describe('PublicLinkService', () => {
  it('issues one reusable link that is never spent and does not expire with the link TTL', () => {
    const { links, publicLinks, session, store, advance } = setup();
    expect(publicLinks.state(session)).toEqual({ enabled: false, url: null });
    const on = publicLinks.setEnabled(session.id, true);
    expect(on.url).toMatch(/^https:\/\/co\.example\/s\/[A-Za-z0-9_-]{32}$/);
    expect(publicLinks.state(store.getSession(session.id)!)).toEqual(on);
    advance(30_000); // Past the 10 s one-time link TTL, within the session.
    for (let i = 0; i < 3; i++) expect(links.redeem(tokenOf(on.url))).toMatchObject({ ok: true, link: { kind: 'public', usedAt: null } });
    expect(store.allLinks().filter((l) => l.kind === 'public')).toHaveLength(1);
  });

  it('is a no-op when set to its current value, storing nothing', () => {
    const { publicLinks, session, writes } = setup();
    const before = writes.length;
    expect(publicLinks.setEnabled(session.id, false)).toEqual({ enabled: false, url: null });
    expect(writes.length).toBe(before);
    const on = publicLinks.setEnabled(session.id, true);
    expect(writes.length).toBe(before + 1); // Link and session in one write.
    expect(publicLinks.setEnabled(session.id, true)).toEqual(on);
    expect(writes.length).toBe(before + 1);
  });

  it('revokes on disable and issues a new link on enable', () => {
    const { links, publicLinks, session } = setup();
    const first = publicLinks.setEnabled(session.id, true);
    publicLinks.setEnabled(session.id, false);
    const second = publicLinks.setEnabled(session.id, true);
    expect(second.url).not.toBe(first.url);
    expect(links.redeem(tokenOf(first.url))).toMatchObject({ ok: false, error: { code: 'ERR_LINK_REVOKED' } });
    expect(links.redeem(tokenOf(second.url)).ok).toBe(true);
  });

  it('refuses a session that has ended', () => {
    const { sessions, publicLinks, session } = setup();
    sessions.end(session.id, 'expired');
    expect(() => publicLinks.setEnabled(session.id, true)).toThrow(expect.objectContaining({ code: 'ERR_SESSION_ENDED' }));
    expect(() => publicLinks.setEnabled('unknown-session', true)).toThrow(expect.objectContaining({ code: 'ERR_NOT_FOUND' }));
  });
});

describe('removed guests', () => {
  it('are remembered once per session', () => {
    const { sessions, session } = setup();
    expect(sessions.wasRemoved(session.id, 'guest-1')).toBe(false);
    sessions.recordRemovedGuest(session.id, 'guest-1');
    sessions.recordRemovedGuest(session.id, 'guest-1');
    expect(sessions.get(session.id)?.removedGuestIds).toEqual(['guest-1']);
    expect(sessions.wasRemoved(session.id, 'guest-1')).toBe(true);
  });
});
