import { afterEach, describe, expect, it } from 'vitest';
import type { EndReason } from '../../../src/protocol/index.js';
import { LinkService } from '../../../signaling/links.js';
import { SessionService } from '../../../signaling/sessions.js';
import { MemoryStore } from '../../../signaling/state/store.js';

const services: SessionService[] = [];
afterEach(() => {
  for (const s of services.splice(0)) s.close();
});

function setup(opts: { sessionMaxSeconds?: number; linkTtlSeconds?: number } = {}) {
  let now = 1_000_000;
  const clock = () => now;
  const store = new MemoryStore();
  const ended: [string, EndReason][] = [];
  const sessions = new SessionService({
    store, sessionMaxSeconds: opts.sessionMaxSeconds ?? 60, countGuests: () => 3,
    onEnded: (id, reason) => ended.push([id, reason]), log: () => {}, now: clock,
  });
  services.push(sessions);
  const links = new LinkService({ store, linkTtlSeconds: opts.linkTtlSeconds ?? 10, publicUrl: 'https://co.example', now: clock });
  return { store, sessions, links, ended, advance: (ms: number) => { now += ms; } };
}

const NEW = { hostName: 'Ada', hostEmail: 'ada@example.com', isReplay: false, origin: 'https://a.example' };

describe('SessionService', () => {
  it('creates sessions whose token is checked against a stored hash', () => {
    const { sessions, store } = setup();
    const { session, hostToken } = sessions.create(NEW);
    expect(JSON.stringify(store.allSessions())).not.toContain(hostToken);
    expect(sessions.info(session)).toEqual({
      sessionId: session.id, isReplay: false, hostName: 'Ada', hostEmail: 'ada@example.com',
      startedAt: 1_000_000, expiresAt: 1_060_000, guestCount: 3,
    });
    expect(sessions.checkHost(session.id, hostToken)).toMatchObject({ ok: true });
    expect(sessions.checkHost(session.id, `${hostToken}x`)).toMatchObject({ ok: false, error: { code: 'ERR_FORBIDDEN' } });
    expect(sessions.checkHost('missing-id', hostToken)).toMatchObject({ ok: false, error: { code: 'ERR_NOT_FOUND' } });
  });

  it('ends a session once, keeping it stored as ended', () => {
    const { sessions, ended } = setup();
    const { session, hostToken } = sessions.create(NEW);
    expect(sessions.activeCount()).toBe(1);
    expect(sessions.end(session.id, 'host-ended')).toBe(true);
    expect(sessions.end(session.id, 'host-ended')).toBe(false);
    expect(ended).toEqual([[session.id, 'host-ended']]);
    expect(sessions.activeCount()).toBe(0);
    expect(sessions.get(session.id)).toMatchObject({ endReason: 'host-ended', endedAt: 1_000_000 });
    expect(sessions.checkHost(session.id, hostToken)).toMatchObject({ ok: false, error: { code: 'ERR_SESSION_ENDED' } });
  });

  it('expires a session on its timer', async () => {
    const store = new MemoryStore();
    const ended: string[] = [];
    const sessions = new SessionService({
      store, sessionMaxSeconds: 0.05, countGuests: () => 0, onEnded: (id, r) => ended.push(`${id}:${r}`), log: () => {},
    });
    services.push(sessions);
    const { session } = sessions.create(NEW);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(ended).toEqual([`${session.id}:expired`]);
  });

  it('on start, ends overdue sessions and arms the others', async () => {
    const store = new MemoryStore();
    const before = new SessionService({ store, sessionMaxSeconds: 0.05, countGuests: () => 0, onEnded: () => {}, log: () => {} });
    const overdue = before.create(NEW).session;
    before.close();
    store.putSession({ ...overdue, expiresAt: Date.now() - 1 });
    const later = { ...overdue, id: 'later-session', expiresAt: Date.now() + 50 };
    store.putSession(later);

    const ended: string[] = [];
    const after = new SessionService({ store, sessionMaxSeconds: 1, countGuests: () => 0, onEnded: (id) => ended.push(id), log: () => {} });
    services.push(after);
    after.start();
    expect(ended).toEqual([overdue.id]);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(ended).toEqual([overdue.id, later.id]);
  });

  it('numbers admitted guests, persistently', () => {
    const { sessions } = setup();
    const { session } = sessions.create(NEW);
    expect(sessions.admitGuest(session)).toBe(1);
    expect(sessions.admitGuest(sessions.get(session.id)!)).toBe(2);
  });
});

describe('LinkService', () => {
  it('makes links under the public URL and spends them once', () => {
    const { sessions, links } = setup();
    const { session } = sessions.create(NEW);
    const link = links.create(session.id);
    expect(link.url).toMatch(/^https:\/\/co\.example\/s\/[A-Za-z0-9_-]{32}$/);
    expect(link.expiresAt).toBe(1_010_000);
    const token = link.url.split('/').pop()!;
    expect(links.redeem(token)).toMatchObject({ ok: true, session: { id: session.id } });
    expect(links.redeem(token)).toMatchObject({ ok: false, error: { code: 'ERR_LINK_USED' } });
  });

  it('tells invalid, expired and ended links apart', () => {
    const { sessions, links, advance } = setup();
    const { session } = sessions.create(NEW);
    expect(links.redeem('not a token')).toMatchObject({ ok: false, error: { code: 'ERR_LINK_INVALID' } });
    expect(links.redeem('A'.repeat(32))).toMatchObject({ ok: false, error: { code: 'ERR_LINK_INVALID' } });

    const old = links.create(session.id).url.split('/').pop()!;
    advance(10_000);
    expect(links.redeem(old)).toMatchObject({ ok: false, error: { code: 'ERR_LINK_EXPIRED' } });

    const fresh = links.create(session.id).url.split('/').pop()!;
    sessions.end(session.id, 'host-ended');
    expect(links.redeem(fresh)).toMatchObject({ ok: false, error: { code: 'ERR_SESSION_ENDED' } });
  });
});
