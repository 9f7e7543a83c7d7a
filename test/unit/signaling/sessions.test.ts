import { afterEach, describe, expect, it } from 'vitest';
import type { EndReason } from '../../../src/protocol/index.js';
import { GuestService } from '../../../signaling/guests.js';
import { LinkService } from '../../../signaling/links.js';
import { SessionService } from '../../../signaling/sessions.js';
import { StoreTimers } from '../../../signaling/timers.js';
import { MemoryStore } from '../../../signaling/state/memory-store.js';

const services: { close(): unknown }[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});

/** A session service whose ended sessions are listed, and whose store's timers run. */
function serviceOn(store: MemoryStore, sessionMaxSeconds: number, now?: () => number) {
  const sessions = new SessionService({ store, sessionMaxSeconds, log: () => {}, ...(now ? { now } : {}) });
  const ended: [string, EndReason][] = [];
  sessions.whenEnded((id, reason) => ended.push([id, reason]));
  const timers = new StoreTimers(store, {
    expiry: (id) => sessions.end(id, 'expired'), 'host-grace': async () => {}, 'guest-grace': async () => {}, 'server-lease': async () => {}, prune: async () => {},
  }, () => {});
  services.push(sessions, timers);
  return { sessions, ended, timers };
}

function setup(opts: { sessionMaxSeconds?: number; linkTtlSeconds?: number } = {}) {
  let now = 1_000_000;
  const clock = () => now;
  const store = new MemoryStore();
  const { sessions, ended } = serviceOn(store, opts.sessionMaxSeconds ?? 60, clock);
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
    expect(await sessions.info(session)).toEqual({
      sessionId: session.id, isReplay: false, hostName: 'Ada', hostEmail: 'ada@example.com',
      startedAt: 1_000_000, expiresAt: 1_060_000, guestCount: 0,
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

  it('counts the guests still in the session', async () => {
    const { sessions, links, guests } = setup();
    const { session } = await sessions.create(NEW);
    const admitted = await Promise.all(['Bea', 'Cy'].map(async (name) => guests.admit(tokenOf((await links.create(session.id)).url), name)));
    expect((await sessions.info(session)).guestCount).toBe(2);
    if (admitted[0]?.ok) await guests.markLeft(admitted[0].record.id);
    expect((await sessions.info(session)).guestCount).toBe(1);
  });

  it('expires a session on its timer, and cancels the timer of a session ended before', async () => {
    const store = new MemoryStore();
    const { sessions, ended, timers } = serviceOn(store, 0.05);
    const { session } = await sessions.create(NEW);
    const early = (await sessions.create(NEW)).session;
    await sessions.end(early.id, 'host-ended');
    timers.start();
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(ended).toEqual([[early.id, 'host-ended'], [session.id, 'expired']]);
    expect(await store.takeDueTimers(Date.now() + 60_000, 10)).toEqual([]);
  });

  it('on start, ends overdue sessions and sets the timers of the others', async () => {
    const before = new SessionService({ store: new MemoryStore(), sessionMaxSeconds: 0.05, log: () => {} });
    const overdue = (await before.create(NEW)).session;
    before.close();
    const later = { ...overdue, id: 'later-session', expiresAt: Date.now() + 50 };
    const store = new MemoryStore({ sessions: [{ ...overdue, expiresAt: Date.now() - 1 }, later] });

    const { sessions, ended, timers } = serviceOn(store, 1);
    await sessions.start();
    expect(ended).toEqual([[overdue.id, 'expired']]);
    timers.start();
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(ended).toEqual([[overdue.id, 'expired'], [later.id, 'expired']]);
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
