// The store interface behind which all session, link, guest and hosting-invite
// state lives, and its in-memory implementation. Persistence is a hook that
// receives each change set (see file-store.ts); a later step puts Redis behind
// the same interface.

import type {
  GuestStoreRecord, HostInviteRecord, LinkRecord, SessionRecord, StoreRow, StoreSnapshot, StoreTable, StoreTables,
} from './records.js';
import { STATE_VERSION, STORE_TABLES } from './records.js';

/** Session, link, guest and hosting-invite state. Records are values: change one by putting a new copy. */
export interface Store {
  getSession(id: string): SessionRecord | undefined;
  allSessions(): SessionRecord[];
  putSession(record: SessionRecord): void;
  deleteSession(id: string): void;
  getLink(tokenHash: string): LinkRecord | undefined;
  allLinks(): LinkRecord[];
  putLink(record: LinkRecord): void;
  deleteLink(tokenHash: string): void;
  getGuest(id: string): GuestStoreRecord | undefined;
  allGuests(): GuestStoreRecord[];
  putGuest(record: GuestStoreRecord): void;
  deleteGuest(id: string): void;
  getHostInvite(id: string): HostInviteRecord | undefined;
  /** The invite one of whose claim tokens hashes to `tokenHash`. */
  findHostInviteByToken(tokenHash: string): HostInviteRecord | undefined;
  /** The invites whose join code hashes to `codeHash` (a code is reused only once its invite is dead). */
  findHostInvitesByJoinCode(codeHash: string): HostInviteRecord[];
  allHostInvites(): HostInviteRecord[];
  putHostInvite(record: HostInviteRecord): void;
  deleteHostInvite(id: string): void;
  /** Runs `fn` and persists its changes as one (one write for several puts); returns what `fn` returns. */
  batch<T>(fn: () => T): T;
  /** Stops persisting and lets go of what persisting holds (files). Idempotent. */
  close(): void;
}

/**
 * The changes of one change set (one put or delete, or one batch), per table:
 * the records put, whole, and the keys deleted. A key is in one list at most,
 * with its last change, so applying the lists in any order gives the same state.
 */
export interface ChangeSet {
  put: Partial<StoreTables>;
  delete: Partial<Record<StoreTable, string[]>>;
}

/** Where a store's changes go. */
export interface Persistence {
  /** Persists one change set before returning; `snapshot` gives the whole state (to compact). */
  write(changes: ChangeSet, snapshot: () => StoreSnapshot): void;
  /** Releases what persisting holds; called by the store's first `close()`. */
  close?(): void;
}

/** Latest change per key of each table since the last write: the record put, or null when deleted. */
type PendingChanges = { [T in StoreTable]: Map<string, StoreRow<T> | null> };

/** Keeps everything in memory; hands every change set to `persistence`. */
export class MemoryStore implements Store {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly links = new Map<string, LinkRecord>();
  private readonly guests = new Map<string, GuestStoreRecord>();
  private readonly hostInvites = new Map<string, HostInviteRecord>();
  /** Claim token hash → invite id. */
  private readonly inviteByToken = new Map<string, string>();
  private batchDepth = 0;
  private pending = noChanges();
  private closed = false;

  constructor(initial?: Partial<StoreSnapshot>, private readonly persistence: Persistence = { write: () => {} }) {
    for (const s of initial?.sessions ?? []) this.sessions.set(s.id, s);
    for (const l of initial?.links ?? []) this.links.set(l.tokenHash, l);
    for (const g of initial?.guests ?? []) this.guests.set(g.id, g);
    for (const i of initial?.hostInvites ?? []) this.indexInvite(i);
  }

  getSession(id: string): SessionRecord | undefined {
    return this.sessions.get(id);
  }

  allSessions(): SessionRecord[] {
    return [...this.sessions.values()];
  }

  putSession(record: SessionRecord): void {
    const copy = { ...record };
    this.sessions.set(record.id, copy);
    this.changed('sessions', record.id, copy);
  }

  deleteSession(id: string): void {
    if (this.sessions.delete(id)) this.changed('sessions', id, null);
  }

  getLink(tokenHash: string): LinkRecord | undefined {
    return this.links.get(tokenHash);
  }

  allLinks(): LinkRecord[] {
    return [...this.links.values()];
  }

  putLink(record: LinkRecord): void {
    const copy = { ...record };
    this.links.set(record.tokenHash, copy);
    this.changed('links', record.tokenHash, copy);
  }

  deleteLink(tokenHash: string): void {
    if (this.links.delete(tokenHash)) this.changed('links', tokenHash, null);
  }

  getGuest(id: string): GuestStoreRecord | undefined {
    return this.guests.get(id);
  }

  allGuests(): GuestStoreRecord[] {
    return [...this.guests.values()];
  }

  putGuest(record: GuestStoreRecord): void {
    const copy = { ...record };
    this.guests.set(record.id, copy);
    this.changed('guests', record.id, copy);
  }

  deleteGuest(id: string): void {
    if (this.guests.delete(id)) this.changed('guests', id, null);
  }

  getHostInvite(id: string): HostInviteRecord | undefined {
    return this.hostInvites.get(id);
  }

  findHostInviteByToken(tokenHash: string): HostInviteRecord | undefined {
    const id = this.inviteByToken.get(tokenHash);
    return id === undefined ? undefined : this.hostInvites.get(id);
  }

  findHostInvitesByJoinCode(codeHash: string): HostInviteRecord[] {
    return this.allHostInvites().filter((i) => i.joinCodeHash === codeHash);
  }

  allHostInvites(): HostInviteRecord[] {
    return [...this.hostInvites.values()];
  }

  putHostInvite(record: HostInviteRecord): void {
    const copy = { ...record, tokenHashes: [...record.tokenHashes] };
    this.unindexInvite(record.id);
    this.indexInvite(copy);
    this.changed('hostInvites', record.id, copy);
  }

  deleteHostInvite(id: string): void {
    if (this.unindexInvite(id)) this.changed('hostInvites', id, null);
  }

  batch<T>(fn: () => T): T {
    this.batchDepth += 1;
    try {
      return fn();
    } finally {
      this.batchDepth -= 1;
      if (this.batchDepth === 0 && hasChanges(this.pending)) this.flush();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.persistence.close?.();
  }

  /** The whole state, as persisted. */
  snapshot(): StoreSnapshot {
    return {
      version: STATE_VERSION,
      sessions: this.allSessions(),
      links: this.allLinks(),
      guests: this.allGuests(),
      hostInvites: this.allHostInvites(),
    };
  }

  private indexInvite(record: HostInviteRecord): void {
    this.hostInvites.set(record.id, record);
    for (const hash of record.tokenHashes) this.inviteByToken.set(hash, record.id);
  }

  private unindexInvite(id: string): boolean {
    const old = this.hostInvites.get(id);
    if (!old) return false;
    for (const hash of old.tokenHashes) if (this.inviteByToken.get(hash) === id) this.inviteByToken.delete(hash);
    this.hostInvites.delete(id);
    return true;
  }

  private changed<T extends StoreTable>(table: T, key: string, record: StoreRow<T> | null): void {
    this.pending[table].set(key, record);
    if (this.batchDepth === 0) this.flush();
  }

  private flush(): void {
    const changes = toChangeSet(this.pending);
    this.pending = noChanges();
    if (!this.closed) this.persistence.write(changes, () => this.snapshot());
  }
}

function noChanges(): PendingChanges {
  return { sessions: new Map(), links: new Map(), guests: new Map(), hostInvites: new Map() };
}

function hasChanges(pending: PendingChanges): boolean {
  return STORE_TABLES.some((table) => pending[table].size > 0);
}

function toChangeSet(pending: PendingChanges): ChangeSet {
  const changes: ChangeSet = { put: {}, delete: {} };
  for (const table of STORE_TABLES) addTable(changes, table, pending[table]);
  return changes;
}

function addTable<T extends StoreTable>(changes: ChangeSet, table: T, pending: Map<string, StoreRow<T> | null>): void {
  const put: StoreRow<T>[] = [];
  const deleted: string[] = [];
  for (const [key, record] of pending) {
    if (record === null) deleted.push(key);
    else put.push(record);
  }
  if (put.length > 0) changes.put[table] = put as StoreTables[T];
  if (deleted.length > 0) changes.delete[table] = deleted;
}
