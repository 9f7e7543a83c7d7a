// One attempt of an operation of the Redis store: the records (and other
// values) it reads, through its `Reads` (so that its commit writes only if
// they are unchanged), each decoded and checked with the records' readers (a
// value that is not a record reads as absent, and is reported), and
// remembered for the index entries of its writes.

import type { Redis } from 'ioredis';
import type { HostInviteRecord, StoreRow, StoreTable } from './records.js';
import { readRows } from './records.js';
import type { InviteWithSession } from './operations.js';
import { Reads, type Write } from './redis-cas.js';
import type { Before, RedisLayout } from './redis-layout.js';

/** The records one attempt read, and its commit. */
export class Attempt {
  private readonly reads: Reads;
  private readonly found = new Map<string, StoreRow<StoreTable> | undefined>();

  constructor(redis: Redis, private readonly layout: RedisLayout, private readonly malformed: (what: string) => void) {
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

  async withSessions(invites: readonly HostInviteRecord[]): Promise<InviteWithSession[]> {
    const sessions = await this.rows('sessions', invites.map((i) => i.sessionId));
    return invites.map((invite, i) => ({ invite, session: sessions[i] }));
  }

  async inviteWithSession(inviteId: string): Promise<InviteWithSession | null> {
    const invite = await this.row('hostInvites', inviteId);
    return invite ? ((await this.withSessions([invite]))[0] as InviteWithSession) : null;
  }

  /** The invite one of whose claim tokens hashes to `tokenHash`, with its session. */
  async inviteByToken(tokenHash: string): Promise<InviteWithSession | null> {
    const [id] = await this.reads.get([this.layout.inviteByToken(tokenHash)]);
    return id ? this.inviteWithSession(id.toString('utf8')) : null;
  }

  /** The text at `key` (null: absent). */
  async text(key: string): Promise<string | null> {
    const [bytes] = await this.reads.get([key]);
    return bytes ? bytes.toString('utf8') : null;
  }

  /** The JSON value at `key` if `guard` accepts it (undefined: absent, or malformed and reported as one of `what`). */
  async json<T>(key: string, guard: (v: unknown) => v is T, what: string): Promise<T | undefined> {
    const [value] = await this.jsons([key], guard, what);
    return value;
  }

  /** The JSON values at `keys` (see `json`), in one command. */
  async jsons<T>(keys: readonly string[], guard: (v: unknown) => v is T, what: string): Promise<(T | undefined)[]> {
    return (await this.reads.get(keys)).map((bytes) => {
      if (bytes === null) return undefined;
      const value = parseJson(bytes.toString('utf8'));
      if (guard(value)) return value;
      this.malformed(what);
      return undefined;
    });
  }

  readonly before: Before = <T extends StoreTable>(table: T, key: string) => this.found.get(this.layout.record(table, key)) as StoreRow<T> | undefined;

  commit(writes: readonly Write[]): Promise<boolean> {
    return this.reads.commit(writes);
  }

  private decode<T extends StoreTable>(table: T, bytes: Buffer): StoreRow<T> | undefined {
    const [row] = readRows(table, [parseJson(bytes.toString('utf8'))]).rows;
    if (!row) this.malformed(table);
    return row;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
