// Where the Redis store keeps what, under one prefix: one key per record (its
// JSON), one set per table naming its records, the indexes behind the
// store's look-ups, the places' holders, the timers, the handoffs and the
// rate-limit buckets (both dropped by Redis once stale), the replays and what
// their uploads counted; and the writes that put or delete records (and
// replays) together with their index entries.

import type { ReplayRecord } from '../replay/replay-record.js';
import type { GuestStoreRecord, HostInviteRecord, StoreRow, StoreTable } from './records.js';
import { rowKey, STORE_TABLES } from './records.js';
import type { Write } from './redis-cas.js';
import type { ChangeSet, StoredTimer, TimerKind } from './store.js';

/** The record of `table` under `key` as it was before the writes (undefined: absent, or not read). */
export type Before = <T extends StoreTable>(table: T, key: string) => StoreRow<T> | undefined;

const TIMER_KINDS: readonly TimerKind[] = ['expiry', 'host-grace', 'guest-grace', 'server-lease', 'prune'];
const TABLE_TAGS: { [T in StoreTable]: string } = { sessions: 's', links: 'l', guests: 'g', hostInvites: 'i' };

/** Key names of one deployment (`<prefix>:…`), and the writes of a change set. */
export class RedisLayout {
  constructor(private readonly prefix: string) {}

  /** The record of `table` under `key` (a link's token hash, every other record's id): its JSON. */
  record(table: StoreTable, key: string): string {
    return `${this.prefix}:${TABLE_TAGS[table]}:${key}`;
  }

  /** Set of the keys of every record of `table`. */
  table(table: StoreTable): string {
    return `${this.prefix}:all:${TABLE_TAGS[table]}`;
  }

  /** Set of the ids of a session's guests. */
  sessionGuests(sessionId: string): string {
    return `${this.prefix}:sg:${sessionId}`;
  }

  /** Set of the ids of a session's hosting invites. */
  sessionInvites(sessionId: string): string {
    return `${this.prefix}:si:${sessionId}`;
  }

  /** The id of the invite a claim token leads to. */
  inviteByToken(tokenHash: string): string {
    return `${this.prefix}:it:${tokenHash}`;
  }

  /** Set of the ids of the invites with a join code. */
  invitesByCode(codeHash: string): string {
    return `${this.prefix}:ic:${codeHash}`;
  }

  /** The holder of a session's host place. */
  hostHolder(sessionId: string): string {
    return `${this.prefix}:hh:${sessionId}`;
  }

  /** The holder of a guest's place. */
  guestHolder(guestId: string): string {
    return `${this.prefix}:gh:${guestId}`;
  }

  /** A handoff (its JSON) by the hash of its token; kept until the handoff expires. */
  handoff(tokenHash: string): string {
    return `${this.prefix}:ho:${tokenHash}`;
  }

  /** The hash of the token of a session's handoff; kept as long as the handoff. */
  sessionHandoff(sessionId: string): string {
    return `${this.prefix}:hs:${sessionId}`;
  }

  /** A rate-limit bucket (`{tokens, at}` as JSON) by its name; kept until it is full again. */
  rateBucket(bucket: string): string {
    return `${this.prefix}:rl:${bucket}`;
  }

  /** A replay's record (its JSON), by session id. */
  replay(sessionId: string): string {
    return `${this.prefix}:r:${sessionId}`;
  }

  /** Set of the session ids of every replay. */
  replays(): string {
    return `${this.prefix}:all:r`;
  }

  /** The session id of the replay whose video has a token. */
  replayByVideo(videoToken: string): string {
    return `${this.prefix}:rv:${videoToken}`;
  }

  /** Set of the events batches stored of a recording. */
  replaySeqs(sessionId: string): string {
    return `${this.prefix}:rq:${sessionId}`;
  }

  /** What a recording's uploads counted (`{bytes, lastAt}` as JSON). */
  replayUploads(sessionId: string): string {
    return `${this.prefix}:ru:${sessionId}`;
  }

  /** Sorted set of the timers (members: `timerMember`), scored by when they are due. */
  timers(): string {
    return `${this.prefix}:timers`;
  }

  /** The writes that apply `changes`: each record put or deleted with its index entries (`before` gives the entries to drop). */
  writes(changes: ChangeSet, before: Before): Write[] {
    const writes: Write[] = [];
    for (const table of STORE_TABLES) {
      for (const row of changes.put[table] ?? []) writes.push(...this.put(table, row, before));
      for (const key of changes.delete[table] ?? []) writes.push(...this.remove(table, key, before(table, key)));
    }
    return writes;
  }

  /** The writes that put a replay's record, with its entries (a video token is set once, never changed). */
  replayPut(record: ReplayRecord): Write[] {
    const writes: Write[] = [
      { op: 'set', key: this.replay(record.sessionId), value: JSON.stringify(record) },
      { op: 'sadd', key: this.replays(), member: record.sessionId },
    ];
    if (record.videoToken) writes.push({ op: 'set', key: this.replayByVideo(record.videoToken), value: record.sessionId });
    return writes;
  }

  /** The writes that delete a replay with its entries and what its uploads counted. */
  replayDelete(record: ReplayRecord): Write[] {
    const id = record.sessionId;
    const writes: Write[] = [
      { op: 'del', key: this.replay(id) }, { op: 'srem', key: this.replays(), member: id },
      { op: 'del', key: this.replaySeqs(id) }, { op: 'del', key: this.replayUploads(id) },
    ];
    if (record.videoToken) writes.push({ op: 'del', key: this.replayByVideo(record.videoToken) });
    return writes;
  }

  private put<T extends StoreTable>(table: T, row: StoreRow<T>, before: Before): Write[] {
    const key = rowKey(table, row);
    const writes: Write[] = [
      { op: 'set', key: this.record(table, key), value: JSON.stringify(row) },
      { op: 'sadd', key: this.table(table), member: key },
    ];
    if (table === 'guests') writes.push(this.guestEntry('sadd', row as GuestStoreRecord));
    if (table === 'hostInvites') writes.push(...this.inviteEntries(row as HostInviteRecord, before('hostInvites', key)));
    return writes;
  }

  private remove(table: StoreTable, key: string, old: StoreRow<StoreTable> | undefined): Write[] {
    const writes: Write[] = [{ op: 'del', key: this.record(table, key) }, { op: 'srem', key: this.table(table), member: key }];
    // A place's holder goes with its record: a server that stopped without letting go leaves none behind.
    if (table === 'sessions') writes.push({ op: 'del', key: this.hostHolder(key) });
    if (table === 'guests') {
      writes.push({ op: 'del', key: this.guestHolder(key) });
      if (old) writes.push(this.guestEntry('srem', old as GuestStoreRecord));
    }
    if (table === 'hostInvites' && old) writes.push(...this.inviteEntriesGone(old as HostInviteRecord));
    return writes;
  }

  private guestEntry(op: 'sadd' | 'srem', guest: GuestStoreRecord): Write {
    return { op, key: this.sessionGuests(guest.sessionId), member: guest.id };
  }

  /** The entries of an invite put; those of its claim tokens that were dropped go (a token leads to one invite only). */
  private inviteEntries(invite: HostInviteRecord, old: HostInviteRecord | undefined): Write[] {
    const writes: Write[] = [{ op: 'sadd', key: this.sessionInvites(invite.sessionId), member: invite.id }];
    if (invite.joinCodeHash !== null) writes.push({ op: 'sadd', key: this.invitesByCode(invite.joinCodeHash), member: invite.id });
    for (const hash of invite.tokenHashes) writes.push({ op: 'set', key: this.inviteByToken(hash), value: invite.id });
    for (const hash of old?.tokenHashes ?? []) {
      if (!invite.tokenHashes.includes(hash)) writes.push({ op: 'del', key: this.inviteByToken(hash) });
    }
    return writes;
  }

  private inviteEntriesGone(invite: HostInviteRecord): Write[] {
    const writes: Write[] = [{ op: 'srem', key: this.sessionInvites(invite.sessionId), member: invite.id }];
    if (invite.joinCodeHash !== null) writes.push({ op: 'srem', key: this.invitesByCode(invite.joinCodeHash), member: invite.id });
    for (const hash of invite.tokenHashes) writes.push({ op: 'del', key: this.inviteByToken(hash) });
    return writes;
  }
}

/** A timer's member in the timers' sorted set: `<kind>:<key>`. */
export function timerMember(kind: TimerKind, key: string): string {
  return `${kind}:${key}`;
}

/** The timer of a member of the timers' sorted set and its score, or null when it is not one. */
export function parseTimer(member: string, at: number): StoredTimer | null {
  const colon = member.indexOf(':');
  const kind = member.slice(0, colon) as TimerKind;
  const key = member.slice(colon + 1);
  return colon > 0 && TIMER_KINDS.includes(kind) && key !== '' && Number.isFinite(at) ? { kind, key, at } : null;
}
