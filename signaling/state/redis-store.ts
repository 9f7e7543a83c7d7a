// The store shared by the servers of one deployment, in Redis (keys under
// `<prefix>:`, see redis-layout.ts). An operation reads what it depends on
// (redis-attempt.ts), decides with the same pure functions as the memory
// store (operations.ts), and writes through one compare-and-set script that
// applies its writes only if nothing it read has changed since
// (redis-cas.ts); when something has (another server wrote first), it reads
// and decides again, a bounded number of times. This server's own callers on
// one key take turns instead. While Redis is away, operations fail within a
// few seconds (ERR_SERVER) and work again once it is back (redis-connection.ts).
// Handoffs and rate-limit buckets are values Redis drops by itself once stale
// (a handoff at its expiry, a bucket once full again), so nothing sweeps them.
// Its replays are in redis-replays.ts, on the same machinery.

import type { Redis } from 'ioredis';
import { CwmnError, ErrorCode, type EndReason } from '../../src/protocol/index.js';
import type { LogFn } from '../config.js';
import type { RateLimit } from '../rate-limit.js';
import * as ops from './operations.js';
import type {
  GuestStoreRecord, HandoffRecord, HostInviteRecord, LinkRecord, SessionRecord, StoreRow, StoreTable,
} from './records.js';
import { isBucketState, isHandoffRecord, STORE_TABLES } from './records.js';
import { LuaScript, Reads, type Write } from './redis-cas.js';
import { parseTimer, RedisLayout, timerMember } from './redis-layout.js';
import { Attempt } from './redis-attempt.js';
import { connectRedis, OPERATION_TIMEOUT_MS, RedisConnection } from './redis-connection.js';
import { holderServer, isSocketHolder } from './holders.js';
import { RedisReplays } from './redis-replays.js';
import type {
  AdmissionResult, GuestAdmission, HeldPlace, InviteResult, NewHostInvite, NewPublicLink, PublicLinkResult, RateTake, RecordKeys,
  SocketHolder, Store, StoredTimer, TimerKind,
} from './store.js';

/** Attempts of one operation whose reads keep changing under it. */
const MAX_ATTEMPTS = 100;
/** Before attempt n + 1, a random pause of up to min(RETRY_CAP_MS, RETRY_BASE_MS · 2^n). */
const RETRY_BASE_MS = 1;
const RETRY_CAP_MS = 20;
/** A holder outlives its socket's server at most this long, should its records never be deleted: longer than any session. */
const HOLDER_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** Records per command when listing or deleting many. */
const BATCH = 200;

// Takes the due timers (`ARGV[1]`: now, `ARGV[2]`: how many at most) out of the sorted set, earliest first, in one step.
const TAKE_DUE = new LuaScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, ARGV[2])
for i = 1, #due, 2 do redis.call('ZREM', KEYS[1], due[i]) end
return due
`);

/** Options of `openRedisStore`. */
export interface RedisStoreOptions {
  /** The Redis of the deployment (`CWMN_REDIS_URL`). */
  redisUrl: string;
  /** Start of every key of the deployment (`CWMN_REDIS_PREFIX`). */
  prefix: string;
  log: LogFn;
}

/** What the store counts. */
export interface RedisStoreCounters {
  /** Values read back that are not records (treated as absent), and timers that are not timers (dropped). */
  malformed: number;
  /** Attempts that found what they read changed when writing, and started again. */
  conflicts: number;
}

/** Connects to Redis and resolves to the store once connected; rejects with an error naming `CWMN_REDIS_URL` when it cannot. */
export async function openRedisStore({ redisUrl, prefix, log }: RedisStoreOptions): Promise<RedisStore> {
  return new RedisStore(await connectRedis(redisUrl), { prefix, log });
}

/** Keeps every record in Redis, shared by every server connected to it under the same prefix. */
export class RedisStore implements Store {
  readonly counters: RedisStoreCounters = { malformed: 0, conflicts: 0 };
  private readonly connection: RedisConnection;
  private readonly redis: Redis;
  private readonly layout: RedisLayout;
  private readonly log: LogFn;
  readonly replays: RedisReplays;

  /** Uses `redis` (best made by `openRedisStore`: no offline queue, a command timeout) and quits it on `close`. */
  constructor(redis: Redis, options: { prefix: string; log: LogFn }) {
    this.connection = new RedisConnection(redis, options.log);
    this.redis = redis;
    this.layout = new RedisLayout(options.prefix);
    this.log = options.log;
    this.replays = new RedisReplays({
      redis, layout: this.layout, run: (work) => this.run(work), cas: (turn, plan) => this.cas(turn, plan), begin: () => this.begin(),
    });
  }

  getSession(id: string): Promise<SessionRecord | undefined> {
    return this.run(() => this.begin().row('sessions', id));
  }

  allSessions(): Promise<SessionRecord[]> {
    return this.run(() => this.all('sessions'));
  }

  getLink(tokenHash: string): Promise<LinkRecord | undefined> {
    return this.run(() => this.begin().row('links', tokenHash));
  }

  allLinks(): Promise<LinkRecord[]> {
    return this.run(() => this.all('links'));
  }

  getGuest(id: string): Promise<GuestStoreRecord | undefined> {
    return this.run(() => this.begin().row('guests', id));
  }

  sessionGuests(sessionId: string): Promise<GuestStoreRecord[]> {
    return this.run(() => this.begin().indexed('guests', this.layout.sessionGuests(sessionId)));
  }

  allGuests(): Promise<GuestStoreRecord[]> {
    return this.run(() => this.all('guests'));
  }

  findHostInviteByToken(tokenHash: string): Promise<HostInviteRecord | undefined> {
    return this.run(async () => {
      const found = await this.begin().inviteByToken(tokenHash);
      return found?.invite;
    });
  }

  findHostInvitesByJoinCode(codeHash: string): Promise<HostInviteRecord[]> {
    return this.run(() => this.begin().indexed('hostInvites', this.layout.invitesByCode(codeHash)));
  }

  sessionHostInvites(sessionId: string): Promise<HostInviteRecord[]> {
    return this.run(() => this.begin().indexed('hostInvites', this.layout.sessionInvites(sessionId)));
  }

  allHostInvites(): Promise<HostInviteRecord[]> {
    return this.run(() => this.all('hostInvites'));
  }

  createSession(record: SessionRecord): Promise<void> {
    return this.decide(null, async () => ({ result: undefined, put: { sessions: [record] } }));
  }

  createLink(record: LinkRecord): Promise<void> {
    return this.decide(null, async () => ({ result: undefined, put: { links: [record] } }));
  }

  createHostInvite(made: NewHostInvite, now: number): Promise<ops.HostInviteCreation> {
    const code = made.invite.joinCodeHash;
    if (code === null) return this.decide(null, async () => ops.createHostInvite(made, now, []));
    const index = this.layout.invitesByCode(code);
    return this.decide(index, async (a) => ops.createHostInvite(made, now, await a.withSessions(await a.indexed('hostInvites', index))));
  }

  admitGuest(admission: GuestAdmission): Promise<AdmissionResult> {
    return this.decide(this.layout.record('links', admission.linkTokenHash), async (a) => {
      const link = await a.row('links', admission.linkTokenHash);
      if (!link) return ops.admitGuest(admission, undefined, undefined, 0);
      const [session, guests] = await Promise.all([
        a.row('sessions', link.sessionId),
        ops.countsPresentGuests(admission) ? a.indexed('guests', this.layout.sessionGuests(link.sessionId)) : [],
      ]);
      return ops.admitGuest(admission, link, session, ops.presentGuests(guests));
    });
  }

  markGuestLeft(guestId: string, at: number): Promise<boolean> {
    return this.decide(this.layout.record('guests', guestId), async (a) => ops.markGuestLeft(await a.row('guests', guestId), at));
  }

  removeGuest(sessionId: string, guestId: string, at: number): Promise<void> {
    return this.decide(this.layout.record('sessions', sessionId), async (a) => {
      const [session, guest] = await Promise.all([a.row('sessions', sessionId), a.row('guests', guestId)]);
      return ops.removeGuest(session, guest, sessionId, guestId, at);
    });
  }

  endSession(sessionId: string, reason: EndReason, at: number): Promise<SessionRecord | null> {
    return this.decide(this.layout.record('sessions', sessionId), async (a) => ops.endSession(await a.row('sessions', sessionId), reason, at));
  }

  revokeLink(tokenHash: string, at: number): Promise<boolean> {
    return this.decide(this.layout.record('links', tokenHash), async (a) => ops.revokeLink(await a.row('links', tokenHash), at));
  }

  setPublicLink(sessionId: string, link: NewPublicLink | null, now: number): Promise<PublicLinkResult> {
    return this.decide(this.layout.record('sessions', sessionId), async (a) => {
      const session = await a.row('sessions', sessionId);
      const currentHash = session && ops.publicLinkHash(session);
      const current = currentHash ? await a.row('links', currentHash) : undefined;
      return ops.setPublicLink(session, link, now, current);
    });
  }

  claimHostInvite(tokenHash: string, hostTokenHash: string, now: number): Promise<InviteResult> {
    return this.decide(this.layout.inviteByToken(tokenHash), async (a) => {
      return ops.claimHostInvite(await a.inviteByToken(tokenHash), hostTokenHash, now);
    });
  }

  addHostInviteToken(inviteId: string, tokenHash: string, keep: number, now: number): Promise<InviteResult> {
    return this.decide(this.layout.record('hostInvites', inviteId), async (a) => {
      return ops.addHostInviteToken(await a.inviteWithSession(inviteId), tokenHash, keep, now);
    });
  }

  revokeHostInvite(inviteId: string, at: number): Promise<void> {
    return this.decide(this.layout.record('hostInvites', inviteId), async (a) => ops.revokeHostInvite(await a.row('hostInvites', inviteId), at));
  }

  holdHost(sessionId: string, holder: SocketHolder): Promise<SocketHolder | null> {
    return this.run(() => this.hold(this.layout.hostHolder(sessionId), holder));
  }

  releaseHost(sessionId: string, holder: SocketHolder): Promise<boolean> {
    return this.run(() => this.release(this.layout.hostHolder(sessionId), holder));
  }

  hostHolder(sessionId: string): Promise<SocketHolder | null> {
    return this.run(() => this.redis.get(this.layout.hostHolder(sessionId)));
  }

  holdGuest(guestId: string, holder: SocketHolder): Promise<SocketHolder | null> {
    return this.run(() => this.hold(this.layout.guestHolder(guestId), holder));
  }

  releaseGuest(guestId: string, holder: SocketHolder): Promise<boolean> {
    return this.run(() => this.release(this.layout.guestHolder(guestId), holder));
  }

  guestHolder(guestId: string): Promise<SocketHolder | null> {
    return this.run(() => this.redis.get(this.layout.guestHolder(guestId)));
  }

  placesHeldBy(serverId: string): Promise<HeldPlace[]> {
    return this.run(async () => {
      const places: HeldPlace[] = [];
      for (const role of ['host', 'guest'] as const) {
        const pattern = role === 'host' ? this.layout.hostHolder('*') : this.layout.guestHolder('*');
        const start = pattern.length - 1;
        let cursor = '0';
        do {
          const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', BATCH);
          cursor = next;
          const holders = keys.length > 0 ? await this.redis.mget(keys) : [];
          keys.forEach((key, i) => {
            const holder = holders[i];
            if (!isSocketHolder(holder) || holderServer(holder) !== serverId) return;
            const id = key.slice(start);
            places.push(role === 'host' ? { role, sessionId: id, holder } : { role, guestId: id, holder });
          });
        } while (cursor !== '0');
      }
      return places;
    });
  }

  scheduleTimer(timer: StoredTimer): Promise<void> {
    return this.run(async () => {
      await this.redis.zadd(this.layout.timers(), timer.at, timerMember(timer.kind, timer.key));
    });
  }

  cancelTimer(kind: TimerKind, key: string): Promise<void> {
    return this.run(async () => {
      await this.redis.zrem(this.layout.timers(), timerMember(kind, key));
    });
  }

  timerAt(kind: TimerKind, key: string): Promise<number | null> {
    return this.run(async () => {
      const score = await this.redis.zscore(this.layout.timers(), timerMember(kind, key));
      return score === null ? null : Number(score);
    });
  }

  takeDueTimers(now: number, limit: number): Promise<StoredTimer[]> {
    return this.run(async () => {
      if (limit <= 0) return [];
      const due = (await TAKE_DUE.run(this.redis, [this.layout.timers()], [String(now), String(limit)])) as string[];
      const timers: StoredTimer[] = [];
      for (let i = 0; i < due.length; i += 2) {
        const timer = parseTimer(due[i] as string, Number(due[i + 1]));
        if (timer) timers.push(timer);
        else this.malformed('timers');
      }
      return timers;
    });
  }

  putHandoff(handoff: HandoffRecord, now: number): Promise<void> {
    const index = this.layout.sessionHandoff(handoff.sessionId);
    return this.cas(index, async (a) => {
      const previous = await a.text(index);
      const ttlMs = ops.handoffTtlMs(handoff, now);
      const writes: Write[] = [
        { op: 'pset', key: this.layout.handoff(handoff.tokenHash), value: JSON.stringify(handoff), ttlMs },
        { op: 'pset', key: index, value: handoff.tokenHash, ttlMs },
      ];
      if (previous !== null && previous !== handoff.tokenHash) writes.push({ op: 'del', key: this.layout.handoff(previous) });
      return { result: undefined, writes };
    });
  }

  getHandoff(tokenHash: string, now: number): Promise<HandoffRecord | undefined> {
    return this.run(async () => ops.liveHandoff(await this.begin().json(this.layout.handoff(tokenHash), isHandoffRecord, 'handoffs'), now));
  }

  takeHandoff(tokenHash: string, now: number): Promise<HandoffRecord | undefined> {
    const key = this.layout.handoff(tokenHash);
    return this.cas(key, async (a) => {
      const handoff = await a.json(key, isHandoffRecord, 'handoffs');
      if (!handoff) return { result: undefined, writes: [] };
      const index = this.layout.sessionHandoff(handoff.sessionId);
      const writes: Write[] = [{ op: 'del', key }];
      if ((await a.text(index)) === tokenHash) writes.push({ op: 'del', key: index });
      return { result: ops.liveHandoff(handoff, now), writes };
    });
  }

  dropHandoff(sessionId: string): Promise<void> {
    const index = this.layout.sessionHandoff(sessionId);
    return this.cas(index, async (a) => {
      const hash = await a.text(index);
      const writes: Write[] = hash === null ? [] : [{ op: 'del', key: index }, { op: 'del', key: this.layout.handoff(hash) }];
      return { result: undefined, writes };
    });
  }

  takeRateTokens(bucket: string, limit: RateLimit, now: number, n: number): Promise<RateTake> {
    const key = this.layout.rateBucket(bucket);
    return this.cas(key, async (a) => {
      const kept = await a.json(key, isBucketState, 'rate buckets');
      const { result, keep } = ops.takeRateTokens(kept, limit, now, n);
      const writes: Write[] = keep ? [{ op: 'pset', key, value: JSON.stringify(keep.state), ttlMs: keep.ttlMs }] : kept ? [{ op: 'del', key }] : [];
      return { result, writes };
    });
  }

  deleteRecords(keys: RecordKeys): Promise<void> {
    const pairs = STORE_TABLES.flatMap((table) => (keys[table] ?? []).map((key) => ({ table, key })));
    return this.run(async () => {
      for (let i = 0; i < pairs.length; i += BATCH) await this.deleteBatch(pairs.slice(i, i + BATCH));
    });
  }

  /** Waits for the operations under way, then quits the connection. Idempotent. */
  close(): Promise<void> {
    return this.connection.close();
  }

  private run<R>(work: (deadline: number) => Promise<R>): Promise<R> {
    return this.connection.run(work);
  }

  /**
   * Runs an operation that reads and decides, then writes what it decided if
   * nothing it read changed meanwhile; else reads and decides again, within
   * the bounds. `turn` is the key it reads first: this server's callers on
   * the same key take turns rather than conflict with each other.
   */
  private decide<R>(turn: string | null, read: (a: Attempt) => Promise<ops.Decision<R>>): Promise<R> {
    return this.connection.run((deadline) => this.transact(deadline, async (a) => {
      const decision = await read(a);
      return { result: decision.result, writes: this.layout.writes({ put: decision.put, delete: {} }, a.before) };
    }), turn);
  }

  /** Runs an operation on values other than records that reads, then writes if what it read is unchanged (see `decide`). */
  private cas<R>(turn: string, plan: (a: Attempt) => Promise<{ result: R; writes: Write[] }>): Promise<R> {
    return this.connection.run((deadline) => this.transact(deadline, plan), turn);
  }

  private async transact<R>(deadline: number, plan: (a: Attempt) => Promise<{ result: R; writes: Write[] }>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      const a = this.begin();
      const { result, writes } = await plan(a);
      if (await a.commit(writes)) return result;
      this.counters.conflicts++;
      if (attempt >= MAX_ATTEMPTS || Date.now() >= deadline) {
        throw new CwmnError(ErrorCode.SERVER, `The store is too busy: what an operation read kept changing (${attempt} attempts)`);
      }
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** attempt)));
    }
  }

  private deleteBatch(pairs: readonly { table: StoreTable; key: string }[]): Promise<void> {
    return this.transact(Date.now() + OPERATION_TIMEOUT_MS, async (a) => {
      const keys: RecordKeys = {};
      for (const { table, key } of pairs) (keys[table] ??= []).push(key);
      await Promise.all(STORE_TABLES.map((table) => a.rows(table, keys[table] ?? [])));
      return { result: undefined, writes: this.layout.writes({ put: {}, delete: keys }, a.before) };
    });
  }

  /** Every record of `table`, read in batches (SSCAN, then MGET), never in one long command. */
  private async all<T extends StoreTable>(table: T): Promise<StoreRow<T>[]> {
    const seen = new Set<string>();
    const rows: StoreRow<T>[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.sscan(this.layout.table(table), cursor, 'COUNT', BATCH);
      cursor = next;
      const fresh = keys.filter((key) => !seen.has(key) && seen.add(key));
      for (const row of await this.begin().rows(table, fresh)) if (row) rows.push(row);
    } while (cursor !== '0');
    return rows;
  }

  private async hold(key: string, holder: SocketHolder): Promise<SocketHolder | null> {
    return ops.replacedHolder(await this.redis.set(key, holder, 'PX', HOLDER_TTL_MS, 'GET'), holder);
  }

  private release(key: string, holder: SocketHolder): Promise<boolean> {
    const reads = new Reads(this.redis);
    reads.assume(key, holder);
    return reads.commit([{ op: 'del', key }]);
  }

  private begin(): Attempt {
    return new Attempt(this.redis, this.layout, (table) => this.malformed(table));
  }

  private malformed(what: string): void {
    this.counters.malformed++;
    this.log(`store: ignored a malformed value under the ${what} keys in Redis`, { level: 'warn' });
  }
}
