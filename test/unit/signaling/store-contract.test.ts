// The contract every store keeps, run against each implementation: the same
// cases, one `describe` per store. A store shared by several servers joins by
// adding one entry to IMPLEMENTATIONS, which opens it as two servers see it
// (one process's store is the same object for both).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openFileStore } from '../../../signaling/state/file-store.js';
import { MemoryStore } from '../../../signaling/state/memory-store.js';
import { REPLAY_RECORD_VERSION, type MailRequest, type ReplayRecord } from '../../../signaling/replay/replay-record.js';
import type { HandoffRecord, HostInviteRecord, LinkRecord, SessionRecord } from '../../../signaling/state/records.js';
import { openRedisStore } from '../../../signaling/state/redis-store.js';
import type { ReplayStore } from '../../../signaling/state/replay-store.js';
import type { GuestAdmission, Store, StoredTimer } from '../../../signaling/state/store.js';
import { hashToken } from '../../../signaling/tokens.js';
import { startRedis, type TestRedis } from '../../integration/support/redis.js';

/** How to get an empty store of one implementation, as two servers of one deployment see it, and let it go. */
interface Implementation {
  name: string;
  open(): Promise<{ servers: [Store, Store]; dispose(): Promise<void> }>;
}

/** One redis-server for every Redis case, started by the first; each store gets a prefix of its own. */
let redis: Promise<TestRedis> | undefined;
let prefixes = 0;
afterAll(async () => { await (await redis)?.stop(); });

const IMPLEMENTATIONS: Implementation[] = [
  {
    name: 'MemoryStore',
    open: async () => {
      const store = new MemoryStore();
      return { servers: [store, store], dispose: () => store.close() };
    },
  },
  {
    name: 'file store',
    open: async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cwmn-contract-'));
      const store = openFileStore(dir, () => {});
      return {
        servers: [store, store],
        dispose: async () => {
          await store.close();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'Redis store',
    open: async () => {
      const { url } = await (redis ??= startRedis());
      const prefix = `contract-${++prefixes}`;
      const open = () => openRedisStore({ redisUrl: url, prefix, log: () => {} });
      const servers = await Promise.all([open(), open()]);
      return { servers, dispose: async () => { await Promise.all(servers.map((s) => s.close())); } };
    },
  },
];

/** Calls at once, for the operations that must be atomic. */
const RACERS = 50;
const NOW = 1_700_000_000_000;

let counter = 0;
const unique = (prefix: string) => `${prefix}${String(++counter).padStart(12, '0')}`;

function newSession(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: unique('session'), isReplay: false, hostName: 'Ada', hostEmail: '', origin: 'https://a.example',
    hostTokenHash: hashToken(unique('host-token')), startedAt: NOW - 1000, expiresAt: NOW + 3_600_000, endedAt: null, endReason: null,
    guestSeq: 0, publicLinkToken: null, removedGuestIds: [], ...overrides,
  };
}

function newLink(sessionId: string, overrides: Partial<LinkRecord> = {}): LinkRecord {
  return {
    tokenHash: hashToken(unique('link-token')), sessionId, kind: 'private', createdAt: NOW - 1000, expiresAt: NOW + 60_000,
    usedAt: null, revokedAt: null, ...overrides,
  };
}

function newInvite(sessionId: string, overrides: Partial<HostInviteRecord> = {}): HostInviteRecord {
  return {
    id: unique('invite'), sessionId, url: 'https://a.example/start', tokenHashes: [hashToken(unique('claim-token'))],
    joinCodeHash: null, createdAt: NOW - 1000, expiresAt: NOW + 60_000, claimedAt: null, revokedAt: null, ...overrides,
  };
}

function newHandoff(sessionId: string, overrides: Partial<HandoffRecord> = {}): HandoffRecord {
  return {
    tokenHash: hashToken(unique('handoff-token')), sessionId, iv: 'aXYtYnl0ZXM', sealed: 'c2VhbGVkLWhvc3QtdG9rZW4', tag: 'dGFnLWJ5dGVz',
    expiresAt: NOW + 60_000, ...overrides,
  };
}

function newReplay(overrides: Partial<ReplayRecord> = {}): ReplayRecord {
  return {
    version: REPLAY_RECORD_VERSION, sessionId: unique('replay'), hostTokenHash: hashToken(unique('host-token')), hostName: 'Ada',
    state: 'recording', createdAt: NOW - 1000, expiresAt: NOW + 600_000, finishedAt: null, endedAt: null, audioSegments: [],
    error: null, videoToken: null, videoExpiresAt: null, mail: null, ...overrides,
  };
}

const mailRequest = (to: string): MailRequest => ({ to: [to], subject: 'Our walkthrough', message: '', state: 'pending', error: null });

function admission(linkTokenHash: string, maxGuests: number | null = null, name = ''): GuestAdmission {
  return {
    linkTokenHash, maxGuests, now: NOW,
    guest: { id: unique('guest'), name, joinedAt: NOW, resumeTokenHash: hashToken(unique('resume-token')) },
  };
}

const all = <T>(n: number, run: (i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => run(i)));
/** Caller `i` of a race goes through one server or the other. */
const via = <S>(servers: readonly [S, S], i: number): S => servers[i % 2] as S;
/** The replays' part of the store, as each server sees it. */
const replaysOf = (servers: [Store, Store]): [ReplayStore, ReplayStore] => [servers[0].replays, servers[1].replays];

describe.each(IMPLEMENTATIONS)('store contract: $name', (implementation) => {
  let disposers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const dispose of disposers) await dispose();
    disposers = [];
  });
  /** The store as two servers see it. */
  async function openServers(): Promise<[Store, Store]> {
    const { servers, dispose } = await implementation.open();
    disposers.push(dispose);
    return servers;
  }
  async function open(): Promise<Store> {
    return (await openServers())[0];
  }
  /** A running session with a one-time link. */
  async function withLink(store: Store, link: Partial<LinkRecord> = {}) {
    const session = newSession();
    const made = newLink(session.id, link);
    await store.createSession(session);
    await store.createLink(made);
    return { session, link: made };
  }

  it('reads back what it stored, by key and by session', async () => {
    const store = await open();
    const { session, link } = await withLink(store);
    const invite = newInvite(session.id, { joinCodeHash: hashToken('ABCDEFGH') });
    expect(await store.createHostInvite({ session: newSession({ id: session.id }), links: [], invite }, NOW)).toEqual({ ok: true });
    expect(await store.getLink(link.tokenHash)).toEqual(link);
    expect(await store.findHostInviteByToken(invite.tokenHashes[0]!)).toEqual(invite);
    expect(await store.findHostInvitesByJoinCode(hashToken('ABCDEFGH'))).toEqual([invite]);
    expect(await store.sessionHostInvites(session.id)).toEqual([invite]);
    const admitted = await store.admitGuest(admission(link.tokenHash, null, 'Bea'));
    expect(admitted.ok).toBe(true);
    expect(await store.sessionGuests(session.id)).toMatchObject([{ name: 'Bea', sessionId: session.id, leftAt: null }]);
    expect(await store.getSession('no-such-session')).toBeUndefined();
    expect(await store.findHostInviteByToken(hashToken('no-such-token'))).toBeUndefined();
  });

  it('spends a one-time link once, however many guests present it at the same time', async () => {
    const servers = await openServers();
    const [store] = servers;
    const { session, link } = await withLink(store);
    const results = await all(RACERS, (i) => via(servers, i).admitGuest(admission(link.tokenHash)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.reason)).toEqual(Array(RACERS - 1).fill('used'));
    expect(await store.sessionGuests(session.id)).toHaveLength(1);
    expect(await store.getSession(session.id)).toMatchObject({ guestSeq: 1 });
    expect(await store.getLink(link.tokenHash)).toMatchObject({ usedAt: NOW });
  });

  it('admits at most maxGuests at the same time, numbers them, and spends no public link', async () => {
    const servers = await openServers();
    const [store] = servers;
    const { session, link } = await withLink(store, { kind: 'public', expiresAt: NOW + 3_600_000 });
    const results = await all(RACERS, (i) => via(servers, i).admitGuest(admission(link.tokenHash, 5)));
    const admitted = results.filter((r) => r.ok);
    expect(admitted).toHaveLength(5);
    expect(results.filter((r) => !r.ok && r.reason === 'full')).toHaveLength(RACERS - 5);
    expect(admitted.map((r) => r.ok && r.guest.name).sort()).toEqual(['Guest 1', 'Guest 2', 'Guest 3', 'Guest 4', 'Guest 5']);
    expect(await store.getLink(link.tokenHash)).toMatchObject({ usedAt: null });
    // A guest that leaves makes room for one more.
    const first = admitted[0]!;
    expect(first.ok && await store.markGuestLeft(first.guest.id, NOW)).toBe(true);
    const again = await all(3, (i) => via(servers, i).admitGuest(admission(link.tokenHash, 5)));
    expect(again.filter((r) => r.ok)).toHaveLength(1);
    expect(await store.getSession(session.id)).toMatchObject({ guestSeq: 6 });
  });

  it('refuses a link in order: invalid, revoked, ended, used, expired, full — with the records it is about', async () => {
    const store = await open();
    expect(await store.admitGuest(admission(hashToken('unknown-link-token')))).toEqual({ ok: false, reason: 'invalid' });
    const revoked = await withLink(store, { revokedAt: NOW - 1, usedAt: NOW - 2 });
    expect(await store.admitGuest(admission(revoked.link.tokenHash))).toMatchObject({ ok: false, reason: 'revoked', link: revoked.link });
    const ended = await withLink(store, { usedAt: NOW - 2 });
    await store.endSession(ended.session.id, 'expired', NOW - 1);
    expect(await store.admitGuest(admission(ended.link.tokenHash)))
      .toMatchObject({ ok: false, reason: 'ended', session: { endReason: 'expired' } });
    const used = await withLink(store, { usedAt: NOW - 2, expiresAt: NOW - 1 });
    expect(await store.admitGuest(admission(used.link.tokenHash))).toMatchObject({ ok: false, reason: 'used' });
    const expired = await withLink(store, { expiresAt: NOW });
    expect(await store.admitGuest(admission(expired.link.tokenHash, 0))).toMatchObject({ ok: false, reason: 'expired' });
    const full = await withLink(store);
    expect(await store.admitGuest(admission(full.link.tokenHash, 0))).toMatchObject({ ok: false, reason: 'full' });
    expect(await store.getLink(full.link.tokenHash)).toMatchObject({ usedAt: null });
  });

  it('ends a session exactly once, whoever ends it at the same time', async () => {
    const servers = await openServers();
    const [store] = servers;
    const session = newSession();
    await store.createSession(session);
    const results = await all(RACERS, (i) => via(servers, i).endSession(session.id, i % 3 ? 'expired' : 'host-ended', NOW + i));
    const ended = results.filter((r) => r !== null);
    expect(ended).toHaveLength(1);
    expect(await store.getSession(session.id)).toEqual(ended[0]);
    expect(await store.endSession('no-such-session', 'expired', NOW)).toBeNull();
  });

  it('claims a hosting invite once, whichever of its tokens each caller holds', async () => {
    const servers = await openServers();
    const [store] = servers;
    const session = newSession();
    const invite = newInvite(session.id, { joinCodeHash: hashToken('ABCDEFGH') });
    await store.createHostInvite({ session, links: [], invite }, NOW);
    const codeTokens = await all(3, async (i) => {
      const hash = hashToken(unique(`code-token-${i}`));
      expect(await store.addHostInviteToken(invite.id, hash, 4, NOW)).toMatchObject({ ok: true });
      return hash;
    });
    const tokens = [invite.tokenHashes[0]!, ...codeTokens];
    const results = await all(RACERS, (i) => via(servers, i).claimHostInvite(tokens[i % tokens.length]!, hashToken(`new-host-token-${i}`), NOW));
    const claimed = results.filter((r) => r.ok);
    expect(claimed).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === 'used')).toHaveLength(RACERS - 1);
    const winner = claimed[0]!;
    expect(await store.getSession(session.id)).toMatchObject({ hostTokenHash: winner.ok ? winner.session.hostTokenHash : '' });
    expect(await store.addHostInviteToken(invite.id, hashToken('late-token'), 4, NOW)).toMatchObject({ ok: false, reason: 'used' });
    expect(await store.claimHostInvite(hashToken('unknown-claim'), hashToken('x'), NOW)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('keeps every claim token added at the same time, up to the ones it keeps', async () => {
    const servers = await openServers();
    const [store] = servers;
    const session = newSession();
    const invite = newInvite(session.id);
    await store.createHostInvite({ session, links: [], invite }, NOW);
    const hashes = await all(10, async (i) => {
      const hash = hashToken(unique(`code-token-${i}`));
      await via(servers, i).addHostInviteToken(invite.id, hash, 100, NOW);
      return hash;
    });
    const stored = await store.findHostInviteByToken(invite.tokenHashes[0]!);
    expect(new Set(stored?.tokenHashes)).toEqual(new Set([invite.tokenHashes[0], ...hashes]));
    for (const hash of hashes) expect(await store.findHostInviteByToken(hash)).toMatchObject({ id: invite.id });
  });

  it('gives a join code to one live invitation at a time', async () => {
    const servers = await openServers();
    const [store] = servers;
    const code = hashToken('JOINCODE');
    const made = await all(RACERS, (i) => {
      const session = newSession();
      return via(servers, i).createHostInvite({ session, links: [newLink(session.id)], invite: newInvite(session.id, { joinCodeHash: code }) }, NOW);
    });
    expect(made.filter((m) => m.ok)).toHaveLength(1);
    expect(made.filter((m) => !m.ok && m.reason === 'code-in-use')).toHaveLength(RACERS - 1);
    const [live] = await store.findHostInvitesByJoinCode(code);
    expect(live).toBeDefined();
    // Once it is claimed, the code is free again.
    expect(await store.claimHostInvite(live!.tokenHashes[0]!, hashToken('host'), NOW)).toMatchObject({ ok: true });
    const session = newSession();
    expect(await store.createHostInvite({ session, links: [], invite: newInvite(session.id, { joinCodeHash: code }) }, NOW)).toEqual({ ok: true });
  });

  it('turns a public link on once and off once, however many ask at the same time', async () => {
    const servers = await openServers();
    const [store] = servers;
    const session = newSession();
    await store.createSession(session);
    const on = await all(RACERS, (i) => {
      const token = `${'P'.repeat(30)}${String(i).padStart(2, '0')}`;
      return via(servers, i).setPublicLink(session.id, { token, tokenHash: hashToken(token) }, NOW);
    });
    const tokens = new Set(on.map((r) => r.ok && r.session.publicLinkToken));
    expect(tokens.size).toBe(1);
    const token = [...tokens][0] as string;
    expect(await store.getLink(hashToken(token))).toMatchObject({ kind: 'public', sessionId: session.id, expiresAt: session.expiresAt, revokedAt: null });
    const off = await all(RACERS, (i) => via(servers, i).setPublicLink(session.id, null, NOW + 5));
    expect(off.every((r) => r.ok && r.session.publicLinkToken === null)).toBe(true);
    expect(await store.getLink(hashToken(token))).toMatchObject({ revokedAt: NOW + 5 });
    await store.endSession(session.id, 'host-ended', NOW + 6);
    expect(await store.setPublicLink(session.id, null, NOW + 7)).toMatchObject({ ok: false, reason: 'ended' });
    expect(await store.setPublicLink('no-such-session', null, NOW)).toEqual({ ok: false, reason: 'not-found' });
  });

  it('revokes a link, removes and lets go of a guest, each once', async () => {
    const servers = await openServers();
    const [store] = servers;
    const { session, link } = await withLink(store);
    expect(await all(10, (i) => via(servers, i).revokeLink(link.tokenHash, NOW)).then((r) => r.filter(Boolean).length)).toBe(1);
    const publicLink = newLink(session.id, { kind: 'public' });
    await store.createLink(publicLink);
    const guest = await store.admitGuest(admission(publicLink.tokenHash));
    if (!guest.ok) throw new Error('not admitted');
    await all(10, (i) => via(servers, i).removeGuest(session.id, guest.guest.id, NOW + 1));
    expect(await store.getSession(session.id)).toMatchObject({ removedGuestIds: [guest.guest.id] });
    expect(await store.getGuest(guest.guest.id)).toMatchObject({ leftAt: NOW + 1 });
    expect(await store.markGuestLeft(guest.guest.id, NOW + 2)).toBe(false);
  });

  it('deletes records by key, skipping unknown ones', async () => {
    const store = await open();
    const { session, link } = await withLink(store);
    await store.deleteRecords({ links: [link.tokenHash, 'unknown'], sessions: [session.id] });
    expect(await store.getLink(link.tokenHash)).toBeUndefined();
    expect(await store.allSessions()).toEqual([]);
    await store.deleteRecords({ guests: ['unknown'] });
  });

  it('deletes records together with what leads to them', async () => {
    const store = await open();
    const { session, link } = await withLink(store);
    const invite = newInvite(session.id, { joinCodeHash: hashToken('GONECODE') });
    await store.createHostInvite({ session, links: [], invite }, NOW);
    const admitted = await store.admitGuest(admission(link.tokenHash));
    if (!admitted.ok) throw new Error('not admitted');
    await store.deleteRecords({ sessions: [session.id], links: [link.tokenHash], guests: [admitted.guest.id], hostInvites: [invite.id] });
    expect(await store.getGuest(admitted.guest.id)).toBeUndefined();
    expect(await store.sessionGuests(session.id)).toEqual([]);
    expect(await store.findHostInviteByToken(invite.tokenHashes[0]!)).toBeUndefined();
    expect(await store.findHostInvitesByJoinCode(hashToken('GONECODE'))).toEqual([]);
    expect(await store.sessionHostInvites(session.id)).toEqual([]);
    expect([await store.allSessions(), await store.allLinks(), await store.allGuests(), await store.allHostInvites()]).toEqual([[], [], [], []]);
  });

  it('lists every record of a table, however many', async () => {
    const store = await open();
    const sessions = Array.from({ length: 450 }, () => newSession());
    await Promise.all(sessions.map((s) => store.createSession(s)));
    const listed = await store.allSessions();
    expect(listed.map((s) => s.id).sort()).toEqual(sessions.map((s) => s.id).sort());
    await store.deleteRecords({ sessions: sessions.map((s) => s.id) });
    expect(await store.allSessions()).toEqual([]);
  });

  it('holds each place for one socket, and lets go of it only for the socket holding it', async () => {
    const store = await open();
    const id = unique('place');
    expect(await store.hostHolder(id)).toBeNull();
    expect(await store.holdHost(id, 'server-a/1')).toBeNull();
    expect(await store.holdHost(id, 'server-a/1')).toBeNull();
    expect(await store.holdHost(id, 'server-b/7')).toBe('server-a/1');
    expect(await store.releaseHost(id, 'server-a/1')).toBe(false);
    expect(await store.hostHolder(id)).toBe('server-b/7');
    // A guest's place is another place, even under the same id.
    expect(await store.holdGuest(id, 'server-a/2')).toBeNull();
    expect(await store.guestHolder(id)).toBe('server-a/2');
    expect(await store.releaseHost(id, 'server-b/7')).toBe(true);
    expect(await store.releaseHost(id, 'server-b/7')).toBe(false);
    expect(await store.hostHolder(id)).toBeNull();
    expect(await store.guestHolder(id)).toBe('server-a/2');
    expect(await store.releaseGuest(id, 'server-b/7')).toBe(false);
    expect(await store.releaseGuest(id, 'server-a/2')).toBe(true);
    expect(await store.guestHolder(id)).toBeNull();
  });

  it('hands a place from socket to socket once each when they take it at the same time, and lets one of them go of it', async () => {
    const servers = await openServers();
    const id = unique('place');
    const holders = Array.from({ length: RACERS }, (_, i) => `server-${i % 2}/${i}`);
    const replaced = await all(RACERS, (i) => via(servers, i).holdGuest(id, holders[i]!));
    const last = await servers[0].guestHolder(id);
    // In whatever order they came, each holder but the last was replaced once, by the next.
    expect([...replaced.filter((r) => r !== null), last].sort()).toEqual([...holders].sort());
    const released = await all(RACERS, (i) => via(servers, i).releaseGuest(id, holders[i]!));
    expect(released.filter(Boolean)).toHaveLength(1);
    expect(released[holders.indexOf(last!)]).toBe(true);
    expect(await servers[1].guestHolder(id)).toBeNull();
  });

  it('lists the places one server\'s sockets hold, and tells when a timer is due', async () => {
    const store = await open();
    const [s1, s2, g1, g2] = [unique('session'), unique('session'), unique('guest'), unique('guest')];
    await store.holdHost(s1, 'gone/1');
    await store.holdHost(s2, 'alive/2');
    await store.holdGuest(g1, 'gone/3');
    await store.holdGuest(g2, 'gone/4');
    await store.holdGuest(g2, 'alive/5'); // It came back elsewhere.
    const places = await store.placesHeldBy('gone');
    expect(places.sort((x, y) => x.holder.localeCompare(y.holder))).toEqual([
      { role: 'host', sessionId: s1, holder: 'gone/1' },
      { role: 'guest', guestId: g1, holder: 'gone/3' },
    ]);
    expect(await store.placesHeldBy('nobody')).toEqual([]);
    expect(await store.timerAt('server-lease', 'gone')).toBeNull();
    await store.scheduleTimer({ kind: 'server-lease', key: 'gone', at: NOW + 15_000 });
    expect(await store.timerAt('server-lease', 'gone')).toBe(NOW + 15_000);
    expect(await store.timerAt('expiry', 'gone')).toBeNull();
    expect(await store.takeDueTimers(NOW + 15_000, 10)).toEqual([{ kind: 'server-lease', key: 'gone', at: NOW + 15_000 }]);
    expect(await store.timerAt('server-lease', 'gone')).toBeNull();
  });

  it('takes due timers earliest first, up to the limit; a timer set again is replaced, a cancelled one never comes', async () => {
    const store = await open();
    const [a, b, c, d, e] = Array.from({ length: 5 }, () => unique('session'));
    const timer = (kind: StoredTimer['kind'], key: string, after: number): StoredTimer => ({ kind, key, at: NOW + after });
    await store.scheduleTimer(timer('expiry', a!, 30));
    await store.scheduleTimer(timer('host-grace', b!, 10));
    await store.scheduleTimer(timer('guest-grace', c!, 20));
    await store.scheduleTimer(timer('expiry', d!, 5));
    await store.scheduleTimer(timer('expiry', d!, 1000));
    await store.scheduleTimer(timer('expiry', e!, 1));
    await store.cancelTimer('expiry', e!);
    await store.cancelTimer('expiry', 'no-such-timer');
    await store.scheduleTimer(timer('host-grace', a!, 40)); // Another kind, another timer.
    expect(await store.takeDueTimers(NOW, 10)).toEqual([]);
    expect(await store.takeDueTimers(NOW + 30, 0)).toEqual([]);
    expect(await store.takeDueTimers(NOW + 30, 2)).toEqual([timer('host-grace', b!, 10), timer('guest-grace', c!, 20)]);
    expect(await store.takeDueTimers(NOW + 30, 10)).toEqual([timer('expiry', a!, 30)]);
    expect(await store.takeDueTimers(NOW + 999, 10)).toEqual([timer('host-grace', a!, 40)]);
    expect(await store.takeDueTimers(NOW + 5000, 10)).toEqual([timer('expiry', d!, 1000)]);
    expect(await store.takeDueTimers(NOW + 5000, 10)).toEqual([]);
  });

  it('gives each due timer to one taker only, however many take at the same time', async () => {
    const servers = await openServers();
    const timers: StoredTimer[] = Array.from({ length: 200 }, (_, i) => ({ kind: 'guest-grace', key: unique('guest'), at: NOW + i }));
    await Promise.all(timers.map((t, i) => via(servers, i).scheduleTimer(t)));
    const notDue: StoredTimer = { kind: 'expiry', key: unique('session'), at: NOW + 10_000 };
    await servers[0].scheduleTimer(notDue);
    const batches = await all(10, async (i) => {
      const taken: StoredTimer[][] = [];
      for (let batch = await via(servers, i).takeDueTimers(NOW + 1000, 7); batch.length > 0; batch = await via(servers, i).takeDueTimers(NOW + 1000, 7)) {
        taken.push(batch);
      }
      return taken;
    });
    const taken = batches.flat(2);
    expect(taken).toHaveLength(timers.length);
    expect(new Set(taken.map((t) => t.key))).toEqual(new Set(timers.map((t) => t.key)));
    for (const batch of batches.flat()) expect(batch.map((t) => t.at)).toEqual(batch.map((t) => t.at).sort((x, y) => x - y));
    expect(await servers[1].takeDueTimers(NOW + 10_000, 10)).toEqual([notDue]);
  });
  it('keeps one handoff per session: a new one replaces it, reading takes nothing, dropping or expiring ends it', async () => {
    const store = await open();
    const sessionId = unique('session');
    const first = newHandoff(sessionId);
    await store.putHandoff(first, NOW);
    expect(await store.getHandoff(first.tokenHash, NOW)).toEqual(first);
    expect(await store.getHandoff(first.tokenHash, NOW)).toEqual(first);
    const second = newHandoff(sessionId);
    await store.putHandoff(second, NOW);
    expect(await store.getHandoff(first.tokenHash, NOW)).toBeUndefined();
    expect(await store.takeHandoff(first.tokenHash, NOW)).toBeUndefined();
    // Another session's handoff is another handoff.
    const other = newHandoff(unique('session'));
    await store.putHandoff(other, NOW);
    await store.dropHandoff(sessionId);
    expect(await store.getHandoff(second.tokenHash, NOW)).toBeUndefined();
    await store.dropHandoff(sessionId);
    expect(await store.getHandoff(other.tokenHash, NOW)).toEqual(other);
    expect(await store.getHandoff(other.tokenHash, other.expiresAt)).toBeUndefined();
    expect(await store.takeHandoff(other.tokenHash, other.expiresAt)).toBeUndefined();
    expect(await store.getHandoff(hashToken('no-such-handoff'), NOW)).toBeUndefined();
  });

  it('hands a handoff to one taker only, however many take it at the same time', async () => {
    const servers = await openServers();
    const handoff = newHandoff(unique('session'));
    await servers[0].putHandoff(handoff, NOW);
    const taken = await all(20, (i) => via(servers, i).takeHandoff(handoff.tokenHash, NOW));
    expect(taken.filter((h) => h !== undefined)).toEqual([handoff]);
    expect(await servers[1].getHandoff(handoff.tokenHash, NOW)).toBeUndefined();
    // The session's next handoff is stored as if it had none.
    const next = newHandoff(handoff.sessionId);
    await servers[1].putHandoff(next, NOW);
    expect(await servers[0].takeHandoff(next.tokenHash, NOW)).toEqual(next);
  });

  it('never gives more rate tokens than the bucket holds, however many take at the same time', async () => {
    const servers = await openServers();
    const limit = { burst: 10, perSecond: 2 };
    const bucket = unique('bucket');
    const taken = await all(RACERS, (i) => via(servers, i).takeRateTokens(bucket, limit, NOW, 1));
    expect(taken.filter((t) => t.allowed)).toHaveLength(10);
    expect(taken.filter((t) => !t.allowed).every((t) => t.msUntilToken === 500)).toBe(true);
    // Reading takes nothing; half a second later one token is back, and no more.
    expect(await servers[0].takeRateTokens(bucket, limit, NOW + 250, 0)).toEqual({ allowed: true, msUntilToken: 250 });
    const later = await all(RACERS, (i) => via(servers, i).takeRateTokens(bucket, limit, NOW + 500, 1));
    expect(later.filter((t) => t.allowed)).toHaveLength(1);
    // Another bucket is full; a bucket left alone until full again is the same as a new one.
    expect(await servers[1].takeRateTokens(unique('bucket'), limit, NOW, 10)).toEqual({ allowed: true, msUntilToken: 500 });
    expect(await servers[1].takeRateTokens(bucket, limit, NOW + 500 + 5000, 10)).toEqual({ allowed: true, msUntilToken: 500 });
    expect(await servers[0].takeRateTokens(bucket, limit, NOW + 500 + 5000, 1)).toEqual({ allowed: false, msUntilToken: 500 });
  });
  it('stores a replay once, finds it by id and by its video token, and deletes it once with what its uploads counted', async () => {
    const servers = replaysOf(await openServers());
    const [store] = servers;
    const replay = newReplay();
    expect(await all(10, (i) => via(servers, i).createReplay(replay)).then((r) => r.filter(Boolean).length)).toBe(1);
    expect(await store.getReplay(replay.sessionId)).toEqual(replay);
    await store.changeReplay(replay.sessionId, { kind: 'finish', at: NOW, endedAt: NOW - 5 });
    await store.changeReplay(replay.sessionId, { kind: 'render' });
    const videoToken = unique('video-token');
    const complete = await store.changeReplay(replay.sessionId, { kind: 'complete', videoToken, videoExpiresAt: NOW + 1000 });
    expect(complete).toMatchObject({ state: 'complete', finishedAt: NOW, endedAt: NOW - 5, videoToken, videoExpiresAt: NOW + 1000 });
    expect(await servers[1].findReplayByVideoToken(videoToken)).toEqual(complete);
    expect(await store.findReplayByVideoToken(unique('video-token'))).toBeUndefined();
    const other = newReplay();
    await store.createReplay(other);
    expect((await servers[1].allReplays()).map((r) => r.sessionId).sort()).toEqual([replay.sessionId, other.sessionId].sort());
    await store.addReplaySeq(other.sessionId, 0);
    await store.countReplayUpload(other.sessionId, 10, 100, NOW);
    expect(await all(10, (i) => via(servers, i).deleteReplay(other.sessionId)).then((r) => r.filter(Boolean).length)).toBe(1);
    await store.deleteReplay(replay.sessionId);
    expect([await store.getReplay(replay.sessionId), await store.findReplayByVideoToken(videoToken)]).toEqual([undefined, undefined]);
    expect(await store.allReplays()).toEqual([]);
    expect(await store.replayUploads(other.sessionId)).toBeUndefined();
    expect(await store.addReplaySeq(other.sessionId, 0)).toBe(true);
  });

  it('moves a replay along its table once per move, whoever moves it at the same time', async () => {
    const servers = replaysOf(await openServers());
    const [store] = servers;
    const replay = newReplay();
    await store.createReplay(replay);
    expect(await store.changeReplay(replay.sessionId, { kind: 'render' })).toBeNull(); // Not from recording.
    const finished = await all(RACERS, (i) => via(servers, i).changeReplay(replay.sessionId, { kind: 'finish', at: NOW + i, endedAt: null }));
    expect(finished.filter((r) => r !== null)).toHaveLength(1);
    const rendering = await all(RACERS, (i) => via(servers, i).changeReplay(replay.sessionId, { kind: 'render' }));
    expect(rendering.filter((r) => r !== null)).toHaveLength(1);
    const tokens = Array.from({ length: RACERS }, () => unique('video-token'));
    const done = await all(RACERS, (i) => via(servers, i).changeReplay(replay.sessionId, i % 2
      ? { kind: 'complete', videoToken: tokens[i]!, videoExpiresAt: NOW + 1000 }
      : { kind: 'fail', reason: 'The video could not be rendered' }));
    const winner = done.filter((r) => r !== null);
    expect(winner).toHaveLength(1);
    expect(await store.getReplay(replay.sessionId)).toEqual(winner[0]);
    const found = await Promise.all(tokens.map((t) => servers[1].findReplayByVideoToken(t)));
    expect(found.filter((r) => r !== undefined)).toHaveLength(winner[0]!.state === 'complete' ? 1 : 0);
    expect(await store.changeReplay('no-such-replay', { kind: 'finish', at: NOW, endedAt: null })).toBeNull();
  });

  it('adds audio segments while recording (each once), mail requests until the render fails, and outcomes to the request they are for', async () => {
    const servers = replaysOf(await openServers());
    const [store] = servers;
    const replay = newReplay();
    await store.createReplay(replay);
    const segment = (n: number) => ({ kind: 'audio-segment' as const, segment: { segment: n, startedAt: NOW + n } });
    await all(20, (i) => via(servers, i).changeReplay(replay.sessionId, segment(i % 10)));
    const stored = await store.getReplay(replay.sessionId);
    expect(stored?.audioSegments.map((s) => s.segment).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const first = mailRequest('bea@example.com');
    expect(await store.changeReplay(replay.sessionId, { kind: 'mail', mail: first })).toMatchObject({ mail: first });
    await store.changeReplay(replay.sessionId, { kind: 'finish', at: NOW, endedAt: null });
    expect(await store.changeReplay(replay.sessionId, segment(10))).toBeNull();
    const second = mailRequest('carl@example.com');
    await store.changeReplay(replay.sessionId, { kind: 'mail', mail: second });
    // The outcome of the first request comes late: the second one replaced it.
    expect(await store.changeReplay(replay.sessionId, { kind: 'mail-outcome', sent: first, state: 'sent', error: null })).toBeNull();
    await store.changeReplay(replay.sessionId, { kind: 'render' });
    const failed = await store.changeReplay(replay.sessionId, { kind: 'fail', reason: 'no full snapshot' });
    expect(failed).toMatchObject({ state: 'error', error: 'no full snapshot', mail: { ...second, state: 'failed', error: 'no full snapshot' } });
    expect(await store.changeReplay(replay.sessionId, { kind: 'mail', mail: first })).toBeNull();
  });

  it('notes each events batch once and never counts a recording past its limit, however many upload at the same time', async () => {
    const servers = replaysOf(await openServers());
    const id = newReplay().sessionId;
    const added = await all(RACERS, (i) => via(servers, i).addReplaySeq(id, i % 5));
    expect(added.filter(Boolean)).toHaveLength(5);
    await servers[1].dropReplaySeq(id, 3);
    expect(await servers[0].addReplaySeq(id, 3)).toBe(true);
    expect(await servers[0].replayUploads(id)).toBeUndefined();
    const counted = await all(RACERS, (i) => via(servers, i).countReplayUpload(id, 10, 205, NOW + i));
    expect(counted.filter(Boolean)).toHaveLength(20);
    const uploads = await servers[1].replayUploads(id);
    expect(uploads?.bytes).toBe(200);
    expect(uploads?.lastAt).toBeGreaterThanOrEqual(NOW);
    // An upload of nothing is counted too (its time), even at the limit.
    expect(await servers[0].countReplayUpload(id, 10, 205, NOW + 100)).toBe(false);
    expect(await servers[0].countReplayUpload(id, 0, 205, NOW + 100)).toBe(true);
    expect(await servers[1].replayUploads(id)).toEqual({ bytes: 200, lastAt: NOW + 100 });
  });
});
