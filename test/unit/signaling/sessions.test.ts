import { afterEach, describe, expect, it } from 'vitest';
import type { EndReason } from '../../../src/protocol/index.js';
import { GuestService } from '../../../signaling/guests.js';
import { LinkService } from '../../../signaling/links.js';
import { SessionService } from '../../../signaling/sessions.js';
import { MemoryStore } from '../../../signaling/state/memory-store.js';

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
  const guests = new GuestService({ store, sessions, now: clock });
  return { store, sessions, links, guests, ended, advance: (ms: number) => { now += ms; } };
}

const NEW = { hostName: 'Ada', hostEmail: 'ada@example.com', isReplay: false, origin: 'https://a.example' };
const tokenOf = (url: string) => url.split('/').pop()!;

describe('SessionService', () => {
  it('creates sessions whose token is checked against a stored hash', async () => {
    const { sessions, store } = setup();
    const { session, hostToken } = await sessions.create(NEW);
    expect(JSON.stringify(await store.allSessions())).not.toContain(hostToken);
    expect(sessions.info(session)).toEqual({
      sessionId: session.id, isReplay: false, hostName: 'Ada', hostEmail: 'ada@example.com',
      startedAt: 1_000_000, expiresAt: 1_060_000, guestCount: 3,
    });
    expect(await sessions.checkHost(session.id, hostToken)).toMatchObject({ ok: true });
    expect(await sessions.checkHost(session.id, `${hostToken}x`)).toMatchObject({ ok: false, error: { code: 'ERR_FORBIDDEN' } });
    expect(await sessions.checkHost('missing-id', hostToken)).toMatchObject({ ok: false, error: { code: 'ERR_NOT_FOUND' } });
  });

  it('ends a session once, keeping it stored as ended', async () => {
    const { sessions, ended } = setup();
    const { session, hostToken } = await sessions.create(NEW);
    expect(await sessions.activeCount()).toBe(1);
    expect(await sessions.end(session.id, 'host-ended')).toBe(true);
    expect(await sessions.end(session.id, 'host-ended')).toBe(false);
    expect(ended).toEqual([[session.id, 'host-ended']]);
    expect(await sessions.activeCount()).toBe(0);
    expect(await sessions.get(session.id)).toMatchObject({ endReason: 'host-ended', endedAt: 1_000_000 });
    expect(await sessions.checkHost(session.id, hostToken)).toMatchObject({ ok: false, error: { code: 'ERR_SESSION_ENDED' } });
  });

  it('ends a session once when several end it at the same time', async () => {
    const { sessions, ended } = setup();
    const { session } = await sessions.create(NEW);
    const results = await Promise.all([
      sessions.end(session.id, 'host-ended'), sessions.end(session.id, 'expired'), sessions.end(session.id, 'host-ended'),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(ended).toEqual([[session.id, 'host-ended']]);
  });

  it('expires a session on its timer', async () => {
    const store = new MemoryStore();
    const ended: string[] = [];
    const sessions = new SessionService({
      store, sessionMaxSeconds: 0.05, countGuests: () => 0, onEnded: (id, r) => ended.push(`${id}:${r}`), log: () => {},
    });
    services.push(sessions);
    const { session } = await sessions.create(NEW);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(ended).toEqual([`${session.id}:expired`]);
  });

  it('on start, ends overdue sessions and arms the others', async () => {
    const before = new SessionService({ store: new MemoryStore(), sessionMaxSeconds: 0.05, countGuests: () => 0, onEnded: () => {}, log: () => {} });
    const overdue = (await before.create(NEW)).session;
    before.close();
    const later = { ...overdue, id: 'later-session', expiresAt: Date.now() + 50 };
    const store = new MemoryStore({ sessions: [{ ...overdue, expiresAt: Date.now() - 1 }, later] });

    const ended: string[] = [];
    const after = new SessionService({ store, sessionMaxSeconds: 1, countGuests: () => 0, onEnded: (id) => ended.push(id), log: () => {} });
    services.push(after);
    await after.start();
    expect(ended).toEqual([overdue.id]);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(ended).toEqual([overdue.id, later.id]);
  });
});

describe('LinkService', () => {
  it('makes links under the public URL that admit one guest', async () => {
    const { sessions, links, guests } = setup();
    const { session } = await sessions.create(NEW);
    const link = await links.create(session.id);
    expect(link.url).toMatch(/^https:\/\/co\.example\/s\/[A-Za-z0-9_-]{32}$/);
    expect(link.expiresAt).toBe(1_010_000);
    expect(await guests.admit(tokenOf(link.url), 'Bea')).toMatchObject({ ok: true, session: { id: session.id } });
    expect(await guests.admit(tokenOf(link.url), 'Cy')).toMatchObject({ ok: false, error: { code: 'ERR_LINK_USED' } });
  });

  it('tells invalid, expired and ended links apart', async () => {
    const { sessions, links, guests, advance } = setup();
    const { session } = await sessions.create(NEW);
    expect(await guests.admit('not a token', '')).toMatchObject({ ok: false, error: { code: 'ERR_LINK_INVALID' } });
    expect(await guests.admit('A'.repeat(32), '')).toMatchObject({ ok: false, error: { code: 'ERR_LINK_INVALID' } });

    const old = tokenOf((await links.create(session.id)).url);
    advance(10_000);
    expect(await guests.admit(old, '')).toMatchObject({ ok: false, error: { code: 'ERR_LINK_EXPIRED' } });

    const fresh = tokenOf((await links.create(session.id)).url);
    await sessions.end(session.id, 'host-ended');
    expect(await guests.admit(fresh, '')).toMatchObject({ ok: false, error: { code: 'ERR_SESSION_ENDED' } });
  });
});
