// The store shared by the servers of one deployment, in Redis (keys under
// `<prefix>:`, see redis-layout.ts). An operation reads what it depends on,
// decides with the same pure functions as the memory store (operations.ts),
// and writes through one compare-and-set script that applies its writes only
// if nothing it read has changed since (redis-cas.ts); when something has
// (another server wrote first), it reads and decides again, a bounded number
// of times. A stored value that does not read back as a record is treated as
// absent, counted and logged. While Redis is away, operations fail within a
// few seconds (ERR_SERVER), and work again once the connection is back.

import { Redis } from 'ioredis';
import { CwmnError, ErrorCode, type EndReason } from '../../src/protocol/index.js';
import type { LogFn } from '../config.js';
import * as ops from './operations.js';
import type { GuestStoreRecord, HostInviteRecord, LinkRecord, SessionRecord, StoreRow, StoreTable } from './records.js';
import { readRows, STORE_TABLES } from './records.js';
import { LuaScript, Reads, type Write } from './redis-cas.js';
import { RedisLayout, type Before } from './redis-layout.js';
import type {
  AdmissionResult, GuestAdmission, InviteResult, NewHostInvite, NewPublicLink, PublicLinkResult, RecordKeys, SocketHolder, Store,
  StoredTimer, TimerKind,
} from './store.js';

/** One Redis command fails after this long without an answer. */
export const COMMAND_TIMEOUT_MS = 2_000;
/** An operation waits this long in all for a lost connection to come back, or for other servers to stop changing what it read. */
export const OPERATION_TIMEOUT_MS = 3_000;
/** `openRedisStore` gives up connecting after this long. */
const CONNECT_TIMEOUT_MS = 5_000;
/** Attempts of one operation whose reads keep changing under it. */
const MAX_ATTEMPTS = 100;
/** Before attempt n + 1, a random pause of up to min(RETRY_CAP_MS, RETRY_BASE_MS · 2^n). */
const RETRY_BASE_MS = 1;
const RETRY_CAP_MS = 20;
/** A holder outlives its socket's server at most this long, should its records never be deleted: longer than any session. */
const HOLDER_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** Records per command when listing or deleting many. */
const BATCH = 200;
const TIMER_KINDS: readonly TimerKind[] = ['expiry', 'host-grace', 'guest-grace'];

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
  const where = redisHost(redisUrl);
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    // A command is sent only while connected, and never again after a lost
    // connection: once its caller has been told it failed, it must not happen.
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  });
  let failure = 'connection closed';
  const noteFailure = (err: Error) => { failure = err.message; };
  redis.on('error', noteFailure);
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new CwmnError(ErrorCode.INVALID_PARAMS, `CWMN_REDIS_URL: could not connect to Redis at ${where} (${failure})`, { cause: err });
  } finally {
    redis.off('error', noteFailure);
  }
  return new RedisStore(redis, { prefix, log });
}

/** Keeps every record in Redis, shared by every server connected to it under the same prefix. */
export class RedisStore implements Store {
  readonly counters: RedisStoreCounters = { malformed: 0, conflicts: 0 };
  private readonly layout: RedisLayout;
  private readonly log: LogFn;
  /** Operations under way (settled, never rejected): `close` waits for them. */
  private readonly running = new Set<Promise<void>>();
  /** Resolves once the connection is ready again (while it is away). */
  private back: { promise: Promise<void>; resolve: () => void } | null = null;
  private healthy = true;
  private closing: Promise<void> | null = null;

  /** Uses `redis` (best made by `openRedisStore`: no offline queue, a command timeout) and closes it with the store. */
  constructor(private readonly redis: Redis, options: { prefix: string; log: LogFn }) {
    this.layout = new RedisLayout(options.prefix);
    this.log = options.log;
    redis.on('error', (err: Error) => this.lost(err.message));
    redis.on('close', () => this.lost('connection closed'));
    redis.on('ready', () => this.found());
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
    return this.run((deadline) => this.decide(deadline, async () => ({ result: undefined, put: { sessions: [record] } })));
  }

  createLink(record: LinkRecord): Promise<void> {
    return this.run((deadline) => this.decide(deadline, async () => ({ result: undefined, put: { links: [record] } })));
  }

  createHostInvite(made: NewHostInvite, now: number): Promise<ops.HostInviteCreation> {
    const code = made.invite.joinCodeHash;
    return this.run((deadline) => this.decide(deadline, async (a) => {
      const sameCode = code === null ? [] : await a.withSessions(await a.indexed('hostInvites', this.layout.invitesByCode(code)));
      return ops.createHostInvite(made, now, sameCode);
    }));
  }

  admitGuest(admission: GuestAdmission): Promise<AdmissionResult> {
    return this.run((deadline) => this.decide(deadline, async (a) => {
      const link = await a.row('links', admission.linkTokenHash);
      const session = link && await a.row('sessions', link.sessionId);
      const counted = session && ops.countsPresentGuests(admission);
      const present = counted ? ops.presentGuests(await a.indexed('guests', this.layout.sessionGuests(session.id))) : 0;
      return ops.admitGuest(admission, link, session, present);
    }));
  }

  markGuestLeft(guestId: string, at: number): Promise<boolean> {
    return this.run((deadline) => this.decide(deadline, async (a) => ops.markGuestLeft(await a.row('guests', guestId), at)));
  }

  removeGuest(sessionId: string, guestId: string, at: number): Promise<void> {
    return this.run((deadline) => this.decide(deadline, async (a) => {
      const [session, guest] = await Promise.all([a.row('sessions', sessionId), a.row('guests', guestId)]);
      return ops.removeGuest(session, guest, sessionId, guestId, at);
    }));
  }

  endSession(sessionId: string, reason: EndReason, at: number): Promise<SessionRecord | null> {
    return this.run((deadline) => this.decide(deadline, async (a) => ops.endSession(await a.row('sessions', sessionId), reason, at)));
  }

  revokeLink(tokenHash: string, at: number): Promise<boolean> {
    return this.run((deadline) => this.decide(deadline, async (a) => ops.revokeLink(await a.row('links', tokenHash), at)));
  }

  setPublicLink(sessionId: string, link: NewPublicLink | null, now: number): Promise<PublicLinkResult> {
    return this.run((deadline) => this.decide(deadline, async (a) => {
      const session = await a.row('sessions', sessionId);
      const currentHash = session && ops.publicLinkHash(session);
      const current = currentHash ? await a.row('links', currentHash) : undefined;
      return ops.setPublicLink(session, link, now, current);
    }));
  }

  claimHostInvite(tokenHash: string, hostTokenHash: string, now: number): Promise<InviteResult> {
    return this.run((deadline) => this.decide(deadline, async (a) => ops.claimHostInvite(await a.inviteByToken(tokenHash), hostTokenHash, now)));
  }

  addHostInviteToken(inviteId: string, tokenHash: string, keep: number, now: number): Promise<InviteResult> {
    return this.run((deadline) => this.decide(deadline, async (a) => {
      return ops.addHostInviteToken(await a.inviteWithSession(inviteId), tokenHash, keep, now);
    }));
  }

  revokeHostInvite(inviteId: string, at: number): Promise<void> {
    return this.run((deadline) => this.decide(deadline, async (a) => ops.revokeHostInvite(await a.row('hostInvites', inviteId), at)));
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

  deleteRecords(keys: RecordKeys): Promise<void> {
    const pairs = STORE_TABLES.flatMap((table) => (keys[table] ?? []).map((key) => ({ table, key })));
    return this.run(async () => {
      for (let i = 0; i < pairs.length; i += BATCH) await this.deleteBatch(pairs.slice(i, i + BATCH));
    });
  }

  /** Waits for the operations under way, then quits the connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all(this.running);
      await this.redis.quit().catch(() => {});
      this.redis.disconnect();
    })();
    return this.closing;
  }

  /** Runs one operation within the bounds: waits for the connection (a while), reports Redis' failures as ERR_SERVER. */
  private run<R>(work: (deadline: number) => Promise<R>): Promise<R> {
    if (this.closing) return Promise.reject(new CwmnError(ErrorCode.INVALID_STATE, 'The store is closed'));
    const done = this.bounded(work);
    const settled = done.then(() => {}, () => {});
    this.running.add(settled);
    void settled.then(() => this.running.delete(settled));
    return done;
  }

  private async bounded<R>(work: (deadline: number) => Promise<R>): Promise<R> {
    const deadline = Date.now() + OPERATION_TIMEOUT_MS;
    try {
      await this.connected(deadline);
      return await work(deadline);
    } catch (err) {
      if (err instanceof CwmnError) throw err;
      throw new CwmnError(ErrorCode.SERVER, 'The store is unavailable', { cause: err });
    }
  }

  private async connected(deadline: number): Promise<void> {
    const { status } = this.redis;
    if (status === 'ready') return;
    if (status === 'end') throw new Error('the connection to Redis is closed');
    if (!this.back) {
      let resolve = () => {};
      const promise = new Promise<void>((r) => { resolve = r; });
      this.back = { promise, resolve };
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not come back within ${OPERATION_TIMEOUT_MS} ms (${status})`)), deadline - Date.now());
    });
    try {
      await Promise.race([this.back.promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Reads and decides, then writes what was decided if nothing read changed meanwhile; else again, within the bounds. */
  private decide<R>(deadline: number, read: (a: Attempt) => Promise<ops.Decision<R>>): Promise<R> {
    return this.transact(deadline, async (a) => {
      const decision = await read(a);
      return { result: decision.result, writes: this.layout.writes({ put: decision.put, delete: {} }, a.before) };
    });
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

  private malformed(what: StoreTable | 'timers'): void {
    this.counters.malformed++;
    this.log(`store: a value under the ${what} keys of Redis is not a record; treated as absent`, { level: 'warn' });
  }

  private lost(reason: string): void {
    if (!this.healthy || this.closing) return;
    this.healthy = false;
    this.log(`store: Redis unavailable (${reason}); operations fail until it is back`, { level: 'warn' });
  }

  private found(): void {
    this.back?.resolve();
    this.back = null;
    if (this.healthy) return;
    this.healthy = true;
    this.log('store: Redis is back');
  }
}

/**
 * One attempt of an operation: reads records through `Reads` (so that
 * `commit` writes only if they are unchanged) and remembers them for the
 * index entries of the writes.
 */
class Attempt {
  private readonly reads: Reads;
  private readonly found = new Map<string, StoreRow<StoreTable> | undefined>();

  constructor(redis: Redis, private readonly layout: RedisLayout, private readonly malformed: (table: StoreTable) => void) {
    this.reads = new Reads(redis);
  }

  /** The records of `table` under `keys` (undefined: absent or malformed), in one command. */
  async rows<T extends StoreTable>(table: T, keys: readonly string[]): Promise<(StoreRow<T> | undefined)[]> {
    const names = keys.map((key) => this.layout.record(table, key));
    const values = await this.reads.get(names);
    return values.map((bytes, i) => {
      const row = bytes === null ? undefined : this.decode(table, bytes);
      this.found.set(names[i] as string, row);
      return row;
    });
  }

  async row<T extends StoreTable>(table: T, key: string): Promise<StoreRow<T> | undefined> {
    const [row] = await this.rows(table, [key]);
    return row;
  }

  /** The records of `table` whose keys the set `index` holds. */
  async indexed<T extends StoreTable>(table: T, index: string): Promise<StoreRow<T>[]> {
    const rows = await this.rows(table, await this.reads.members(index));
    return rows.filter((row): row is StoreRow<T> => row !== undefined);
  }

  async withSessions(invites: readonly HostInviteRecord[]): Promise<ops.InviteWithSession[]> {
    const sessions = await this.rows('sessions', invites.map((i) => i.sessionId));
    return invites.map((invite, i) => ({ invite, session: sessions[i] }));
  }

  async inviteWithSession(inviteId: string): Promise<ops.InviteWithSession | null> {
    const invite = await this.row('hostInvites', inviteId);
    return invite ? ((await this.withSessions([invite]))[0] as ops.InviteWithSession) : null;
  }

  /** The invite one of whose claim tokens hashes to `tokenHash`, with its session. */
  async inviteByToken(tokenHash: string): Promise<ops.InviteWithSession | null> {
    const [id] = await this.reads.get([this.layout.inviteByToken(tokenHash)]);
    return id ? this.inviteWithSession(id.toString('utf8')) : null;
  }

  readonly before: Before = <T extends StoreTable>(table: T, key: string) => this.found.get(this.layout.record(table, key)) as StoreRow<T> | undefined;

  commit(writes: readonly Write[]): Promise<boolean> {
    return this.reads.commit(writes);
  }

  private decode<T extends StoreTable>(table: T, bytes: Buffer): StoreRow<T> | undefined {
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch {
      value = undefined;
    }
    const [row] = readRows(table, [value]).rows;
    if (!row) this.malformed(table);
    return row;
  }
}

function timerMember(kind: TimerKind, key: string): string {
  return `${kind}:${key}`;
}

function parseTimer(member: string, at: number): StoredTimer | null {
  const colon = member.indexOf(':');
  const kind = member.slice(0, colon) as TimerKind;
  const key = member.slice(colon + 1);
  return colon > 0 && TIMER_KINDS.includes(kind) && key !== '' && Number.isFinite(at) ? { kind, key, at } : null;
}

/** Host and port of a Redis URL, for messages (never its password). */
function redisHost(redisUrl: string): string {
  try {
    const url = new URL(redisUrl);
    return `${url.hostname}:${url.port || '6379'}`;
  } catch {
    throw new CwmnError(ErrorCode.INVALID_PARAMS, 'CWMN_REDIS_URL is not a valid URL; expected e.g. redis://127.0.0.1:6379');
  }
}
