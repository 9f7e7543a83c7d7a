// What only the Redis store has, on a real redis-server: a start that names
// CWMN_REDIS_URL when Redis cannot be reached, operations that fail within
// their bound while Redis is away and work once it is back, values that are
// not records, holders that go with their records, and races between two
// servers that really conflict (the contract checks their outcome).

import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CwmnError, ErrorCode } from '../../../src/protocol/index.js';
import type { LogFields } from '../../../signaling/config.js';
import type { SessionRecord } from '../../../signaling/state/records.js';
import { RedisLayout } from '../../../signaling/state/redis-layout.js';
import { COMMAND_TIMEOUT_MS, OPERATION_TIMEOUT_MS } from '../../../signaling/state/redis-connection.js';
import { openRedisStore, type RedisStore } from '../../../signaling/state/redis-store.js';
import { hashToken } from '../../../signaling/tokens.js';
import { startRedis, type TestRedis } from '../../integration/support/redis.js';
import { closedPort } from '../../integration/support/webhook.js';

const NOW = 1_700_000_000_000;

let redis: TestRedis;
const opened: RedisStore[] = [];
let prefixes = 0;

beforeAll(async () => { redis = await startRedis(); });
afterEach(async () => { await Promise.all(opened.splice(0).map((s) => s.close())); });
afterAll(async () => { await redis?.stop(); });

async function open(prefix = `redis-store-${++prefixes}`, log = (_: string, __?: LogFields) => {}): Promise<RedisStore> {
  const store = await openRedisStore({ redisUrl: redis.url, prefix, log });
  opened.push(store);
  return store;
}

let counter = 0;
function newSession(): SessionRecord {
  return {
    id: `session${String(++counter).padStart(12, '0')}`, isReplay: false, hostName: 'Ada', hostEmail: '', origin: 'https://a.example',
    hostTokenHash: hashToken(`host-token-${counter}`), startedAt: NOW - 1000, expiresAt: NOW + 3_600_000, endedAt: null, endReason: null,
    guestSeq: 0, publicLinkToken: null, removedGuestIds: [],
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => { throw new Error('resolved'); }, (err: unknown) => err);
}

describe('Redis store', () => {
  it('refuses to start when Redis cannot be reached, naming CWMN_REDIS_URL and not its password', async () => {
    const port = await closedPort();
    const err = await rejection(openRedisStore({ redisUrl: `redis://:hunter2-secret@127.0.0.1:${port}`, prefix: 'x', log: () => {} }));
    expect(err).toBeInstanceOf(CwmnError);
    expect((err as CwmnError).message).toMatch(new RegExp(`^CWMN_REDIS_URL: could not connect to Redis at 127\\.0\\.0\\.1:${port} `));
    expect((err as CwmnError).message).not.toContain('hunter2');
  });

  it('fails operations within their bound while Redis is away, and works again once it is back', async () => {
    const lines: { message: string; level: string }[] = [];
    const store = await open(undefined, (message, fields) => lines.push({ message, level: fields?.level ?? 'info' }));
    const before = newSession();
    await store.createSession(before);
    // Under way when Redis goes: each answered, or failed with ERR_SERVER, none left hanging.
    const started = Date.now();
    const underWay = Array.from({ length: 100 }, (_, i) => (i % 2 ? store.getSession(before.id) : store.holdHost(before.id, `server-a/${i}`)));
    await redis.restart(async () => {
      const outcomes = await Promise.allSettled(underWay);
      expect(Date.now() - started).toBeLessThan(OPERATION_TIMEOUT_MS + COMMAND_TIMEOUT_MS);
      for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ name: 'CwmnError', code: ErrorCode.SERVER });
      const away = Date.now();
      const failures = await Promise.all([
        rejection(store.getSession(before.id)),
        rejection(store.endSession(before.id, 'expired', NOW)),
        rejection(store.takeDueTimers(NOW, 10)),
      ]);
      expect(Date.now() - away).toBeLessThan(OPERATION_TIMEOUT_MS + COMMAND_TIMEOUT_MS);
      for (const err of failures) expect(err).toMatchObject({ name: 'CwmnError', code: ErrorCode.SERVER });
    });
    // Back, and empty (the test's redis-server keeps nothing): operations wait for the connection, then work.
    const session = newSession();
    await store.createSession(session);
    expect(await store.getSession(session.id)).toEqual(session);
    expect(lines.filter((l) => l.level === 'warn' && l.message.startsWith('store: Redis unavailable'))).toHaveLength(1);
    expect(lines.at(-1)).toEqual({ message: 'store: Redis is back', level: 'info' });
  });

  it('treats a value that is not a record as absent, counts and logs it, and writes over it', async () => {
    const prefix = `redis-store-${++prefixes}`;
    const lines: string[] = [];
    const store = await open(prefix, (message) => lines.push(message));
    const layout = new RedisLayout(prefix);
    const good = newSession();
    await store.createSession(good);
    const raw = new Redis(redis.url);
    try {
      await raw.set(layout.record('sessions', 'session-garbage'), 'not json');
      await raw.set(layout.record('sessions', 'session-wrongshape'), JSON.stringify({ id: 'session-wrongshape', guestSeq: -1 }));
      await raw.sadd(layout.table('sessions'), 'session-garbage', 'session-wrongshape');
      await raw.zadd(layout.timers(), NOW, 'no-such-kind:session-1');
    } finally {
      raw.disconnect();
    }
    expect(await store.getSession('session-garbage')).toBeUndefined();
    expect(await store.allSessions()).toEqual([good]);
    expect(await store.endSession('session-wrongshape', 'expired', NOW)).toBeNull();
    expect(await store.takeDueTimers(NOW, 10)).toEqual([]);
    expect(store.counters.malformed).toBe(5);
    expect(lines.filter((l) => l.startsWith('store: ignored a malformed value'))).toHaveLength(5);
    const fixed = { ...newSession(), id: 'session-garbage' };
    await store.createSession(fixed);
    expect(await store.getSession('session-garbage')).toEqual(fixed);
  });

  it('lets go of places with their records, and lets a place held by a stopped server expire', async () => {
    const prefix = `redis-store-${++prefixes}`;
    const store = await open(prefix);
    const session = newSession();
    await store.createSession(session);
    await store.holdHost(session.id, 'server-a/1');
    await store.holdGuest('guest-000001', 'server-a/2');
    const raw = new Redis(redis.url);
    try {
      const ttl = await raw.pttl(new RedisLayout(prefix).hostHolder(session.id));
      expect(ttl).toBeGreaterThan(24 * 60 * 60 * 1000);
    } finally {
      raw.disconnect();
    }
    await store.deleteRecords({ sessions: [session.id], guests: ['guest-000001'] });
    expect(await store.hostHolder(session.id)).toBeNull();
    expect(await store.guestHolder('guest-000001')).toBeNull();
  });

  it('keeps handoffs and rate-limit buckets only as long as they matter, and reads garbage under them as absent', async () => {
    const prefix = `redis-store-${++prefixes}`;
    const store = await open(prefix);
    const layout = new RedisLayout(prefix);
    const now = Date.now();
    const handoff = {
      tokenHash: hashToken('handoff-token'), sessionId: 'session-handoff', iv: 'aXY', sealed: 'c2VhbGVk', tag: 'dGFn', expiresAt: now + 90_000,
    };
    await store.putHandoff(handoff, now);
    const limit = { burst: 10, perSecond: 2 };
    await store.takeRateTokens('socket-open:10.0.0.1', limit, now, 4);
    const raw = new Redis(redis.url);
    try {
      for (const key of [layout.handoff(handoff.tokenHash), layout.sessionHandoff(handoff.sessionId)]) {
        expect(await raw.pttl(key)).toBeGreaterThan(80_000);
        expect(await raw.pttl(key)).toBeLessThanOrEqual(90_000);
      }
      // Four tokens back at two a second: full again (and gone) within 2 s.
      const bucketTtl = await raw.pttl(layout.rateBucket('socket-open:10.0.0.1'));
      expect(bucketTtl).toBeGreaterThan(1000);
      expect(bucketTtl).toBeLessThanOrEqual(2000);
      // Neither token nor host token is there in clear: only the hash and the sealed bytes.
      expect(await raw.get(layout.handoff(handoff.tokenHash))).toBe(JSON.stringify(handoff));
      await raw.set(layout.handoff(hashToken('garbage')), '{"tokenHash":1}');
      await raw.set(layout.rateBucket('socket-open:10.0.0.2'), 'not json');
    } finally {
      raw.disconnect();
    }
    expect(await store.getHandoff(hashToken('garbage'), now)).toBeUndefined();
    expect(await store.takeRateTokens('socket-open:10.0.0.2', limit, now, 10)).toEqual({ allowed: true, msUntilToken: 500 });
    expect(store.counters.malformed).toBe(2);
  });

  it('decides again when another server wrote what it read first', async () => {
    const prefix = `redis-store-${++prefixes}`;
    const [a, b] = await Promise.all([open(prefix), open(prefix)]);
    const session = newSession();
    await a.createSession(session);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).endSession(session.id, 'expired', NOW + i)));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect(a.counters.conflicts + b.counters.conflicts).toBeGreaterThan(0);
  });

  it('rejects operations once closed, and closes once', async () => {
    const store = await open();
    await Promise.all([store.close(), store.close()]);
    expect(await rejection(store.getSession('session000000000001'))).toMatchObject({ code: ErrorCode.INVALID_STATE });
  });
});
