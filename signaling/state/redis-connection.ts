// The Redis store's connection as its operations see it: an operation runs
// once the connection is ready (waiting a bounded while for a lost one to
// come back) and fails with ERR_SERVER when Redis does not answer, so that
// nothing waits forever; operations of this server on one key take turns.
// Losing Redis and finding it again are logged once each. Closing waits for
// the operations under way, then quits.

import { Redis } from 'ioredis';
import { CwmnError, ErrorCode } from '../../src/protocol/index.js';
import type { LogFn } from '../config.js';

/** One Redis command fails after this long without an answer. */
export const COMMAND_TIMEOUT_MS = 2_000;
/** An operation waits this long in all for a lost connection to come back, or for other servers to stop changing what it read. */
export const OPERATION_TIMEOUT_MS = 3_000;
/** `connectRedis` gives up after this long. */
const CONNECT_TIMEOUT_MS = 5_000;
/** Pause before the nth attempt to reconnect. */
const reconnectDelayMs = (attempt: number) => Math.min(attempt * 100, 1_000);

/** Connects to `redisUrl`; rejects with an error naming `CWMN_REDIS_URL` (never its password) when it cannot. */
export async function connectRedis(redisUrl: string): Promise<Redis> {
  const where = redisHost(redisUrl);
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    // A command is sent only while connected, and never again after a lost
    // connection: once its caller has been told it failed, it must not happen.
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    retryStrategy: reconnectDelayMs,
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
  return redis;
}

/** Runs operations on one Redis connection within their bounds. */
export class RedisConnection {
  /** Operations under way (settled, never rejected): `close` waits for them. */
  private readonly running = new Set<Promise<void>>();
  /** Per turn: the last operation queued on it. */
  private readonly turns = new Map<string, Promise<void>>();
  /** Resolves once the connection is ready again (while it is away). */
  private back: { promise: Promise<void>; resolve: () => void } | null = null;
  private healthy = true;
  private closing: Promise<void> | null = null;

  /** Uses `redis` (best made by `connectRedis`: no offline queue, a command timeout), and quits it on `close`. */
  constructor(readonly redis: Redis, private readonly log: LogFn) {
    redis.on('error', (err: Error) => this.lost(err.message));
    redis.on('close', () => this.lost('connection closed'));
    redis.on('ready', () => this.found());
  }

  /**
   * Runs an operation once the connection is ready, `deadline` being when
   * it should give up waiting; Redis' failures reject as ERR_SERVER.
   * Operations with the same `turn` run one after the other, each bounded
   * from its turn on.
   */
  run<R>(work: (deadline: number) => Promise<R>, turn: string | null = null): Promise<R> {
    if (this.closing) return Promise.reject(new CwmnError(ErrorCode.INVALID_STATE, 'The store is closed'));
    const done = turn === null ? this.bounded(work) : this.inTurn(turn, () => this.bounded(work));
    const settled = done.then(() => {}, () => {});
    this.running.add(settled);
    void settled.then(() => this.running.delete(settled));
    return done;
  }

  /** Waits for the operations under way, then quits the connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all(this.running);
      await quitRedis(this.redis);
    })();
    return this.closing;
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

  private async inTurn<R>(turn: string, work: () => Promise<R>): Promise<R> {
    const previous = this.turns.get(turn);
    let finished = () => {};
    const mine = new Promise<void>((resolve) => { finished = resolve; });
    const queued = previous ? previous.then(() => mine) : mine;
    this.turns.set(turn, queued);
    try {
      await previous;
      return await work();
    } finally {
      finished();
      if (this.turns.get(turn) === queued) this.turns.delete(turn);
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

/** A client that quits waits this long for Redis to close the connection before it drops it. */
const QUIT_TIMEOUT_MS = 1_000;

/**
 * Quits a Redis client: a connection still being made is first given a
 * bounded while to get ready (closed in the middle of its ready check, ioredis
 * leaves a timer behind); a ready one gets QUIT (what was sent before is
 * answered first), any other is dropped. Then waits for the connection to
 * end, dropping it after the bound. Leaves nothing running behind it.
 */
export async function quitRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  const ended = new Promise<void>((resolve) => redis.once('end', () => resolve()));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => { timer = setTimeout(resolve, QUIT_TIMEOUT_MS); });
  if (redis.status === 'connecting' || redis.status === 'connect') {
    await Promise.race([new Promise((resolve) => redis.once('ready', resolve)), ended, late]);
  }
  if (redis.status === 'ready') await redis.quit().catch(() => {});
  else redis.disconnect();
  await Promise.race([ended, late]);
  if ((redis.status as string) !== 'end') redis.disconnect();
  clearTimeout(timer);
}

/** Host and port of a Redis URL, for messages (never its password). */
export function redisHost(redisUrl: string): string {
  try {
    const url = new URL(redisUrl);
    return `${url.hostname}:${url.port || '6379'}`;
  } catch {
    throw new CwmnError(ErrorCode.INVALID_PARAMS, 'CWMN_REDIS_URL is not a valid URL; expected e.g. redis://127.0.0.1:6379');
  }
}
