// The replays of the Redis store (keys in redis-layout.ts): a record changes
// through the compare-and-set script like every record, decided by the shared
// replay operations; a recording's stored batches are a set that one command
// adds to (whoever adds a batch first learns it is new), and what its uploads
// counted is kept a day past the last upload (a recording without uploads
// ends long before), so nothing is left behind when a replay is never deleted.

import type { Redis } from 'ioredis';
import { isInteger, isRecord } from '../../src/protocol/index.js';
import { isReplayRecord, type ReplayRecord } from '../replay/replay-record.js';
import type { Attempt } from './redis-attempt.js';
import { LuaScript, type Write } from './redis-cas.js';
import type { RedisLayout } from './redis-layout.js';
import * as ops from './replay-operations.js';
import type { ReplayChange, ReplayStore, ReplayUploads } from './replay-store.js';

/** A recording's batches and upload counts are kept this long after its last upload. */
export const REPLAY_UPLOADS_TTL_MS = 24 * 60 * 60 * 1000;
/** Replays per command when listing them. */
const BATCH = 200;

// Adds batch `ARGV[1]` to the set and keeps the set `ARGV[2]` ms more; 1 when the batch is new.
const ADD_SEQ = new LuaScript(`
local added = redis.call('SADD', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return added
`);

/** What the replays need of the Redis store. */
export interface RedisReplaysContext {
  redis: Redis;
  layout: RedisLayout;
  /** Runs an operation within the store's bounds (see `RedisConnection.run`). */
  run<R>(work: () => Promise<R>): Promise<R>;
  /** Runs an operation that reads through an attempt and writes only if what it read is unchanged. */
  cas<R>(turn: string, plan: (a: Attempt) => Promise<{ result: R; writes: Write[] }>): Promise<R>;
  begin(): Attempt;
}

/** The replays of a Redis store. */
export class RedisReplays implements ReplayStore {
  constructor(private readonly c: RedisReplaysContext) {}

  createReplay(record: ReplayRecord): Promise<boolean> {
    const key = this.c.layout.replay(record.sessionId);
    return this.c.cas(key, async (a) => {
      if ((await a.text(key)) !== null) return { result: false, writes: [] };
      return { result: true, writes: this.c.layout.replayPut(record) };
    });
  }

  getReplay(sessionId: string): Promise<ReplayRecord | undefined> {
    return this.c.run(() => this.read(this.c.begin(), sessionId));
  }

  allReplays(): Promise<ReplayRecord[]> {
    return this.c.run(async () => {
      const seen = new Set<string>();
      const replays: ReplayRecord[] = [];
      let cursor = '0';
      do {
        const [next, ids] = await this.c.redis.sscan(this.c.layout.replays(), cursor, 'COUNT', BATCH);
        cursor = next;
        const fresh = ids.filter((id) => !seen.has(id) && seen.add(id));
        const found = await this.c.begin().jsons(fresh.map((id) => this.c.layout.replay(id)), isReplayRecord, 'replays');
        for (const replay of found) if (replay) replays.push(replay);
      } while (cursor !== '0');
      return replays;
    });
  }

  findReplayByVideoToken(videoToken: string): Promise<ReplayRecord | undefined> {
    return this.c.run(async () => {
      const a = this.c.begin();
      const id = await a.text(this.c.layout.replayByVideo(videoToken));
      const replay = id === null ? undefined : await this.read(a, id);
      return replay?.videoToken === videoToken ? replay : undefined;
    });
  }

  changeReplay(sessionId: string, change: ReplayChange): Promise<ReplayRecord | null> {
    return this.c.cas(this.c.layout.replay(sessionId), async (a) => {
      const replay = await this.read(a, sessionId);
      const changed = ops.changeReplay(replay, change);
      return { result: changed, writes: changed && changed !== replay ? this.c.layout.replayPut(changed) : [] };
    });
  }

  deleteReplay(sessionId: string): Promise<boolean> {
    return this.c.cas(this.c.layout.replay(sessionId), async (a) => {
      const replay = await this.read(a, sessionId);
      return replay ? { result: true, writes: this.c.layout.replayDelete(replay) } : { result: false, writes: [] };
    });
  }

  addReplaySeq(sessionId: string, seq: number): Promise<boolean> {
    return this.c.run(async () => {
      const added = await ADD_SEQ.run(this.c.redis, [this.c.layout.replaySeqs(sessionId)], [String(seq), String(REPLAY_UPLOADS_TTL_MS)]);
      return added === 1;
    });
  }

  dropReplaySeq(sessionId: string, seq: number): Promise<void> {
    return this.c.run(async () => {
      await this.c.redis.srem(this.c.layout.replaySeqs(sessionId), String(seq));
    });
  }

  countReplayUpload(sessionId: string, bytes: number, limit: number, now: number): Promise<boolean> {
    const key = this.c.layout.replayUploads(sessionId);
    return this.c.cas(key, async (a) => {
      const counted = ops.countReplayUpload(await a.json(key, isReplayUploads, 'replay uploads'), bytes, limit, now);
      if (!counted) return { result: false, writes: [] };
      return { result: true, writes: [{ op: 'pset', key, value: JSON.stringify(counted), ttlMs: REPLAY_UPLOADS_TTL_MS }] };
    });
  }

  replayUploads(sessionId: string): Promise<ReplayUploads | undefined> {
    return this.c.run(() => this.c.begin().json(this.c.layout.replayUploads(sessionId), isReplayUploads, 'replay uploads'));
  }

  private read(a: Attempt, sessionId: string): Promise<ReplayRecord | undefined> {
    return a.json(this.c.layout.replay(sessionId), isReplayRecord, 'replays');
  }
}

function isReplayUploads(v: unknown): v is ReplayUploads {
  return isRecord(v) && isInteger(v.bytes, 0, Number.MAX_SAFE_INTEGER) && (v.lastAt === null || isInteger(v.lastAt, 0, Number.MAX_SAFE_INTEGER));
}
