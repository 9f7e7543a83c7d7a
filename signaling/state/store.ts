// The store interface behind which all session, link, guest and hosting-invite
// state lives, and its in-memory implementation. Persistence is a change hook
// (see file-store.ts); a later step puts Redis behind the same interface.

import type {
  GuestStoreRecord, HostInviteRecord, LinkRecord, SessionRecord, StoreSnapshot,
} from './records.js';
import { STATE_VERSION } from './records.js';

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
  /** Stops persisting. Idempotent. */
  close(): void;
}

/** Called with the whole state after every change (or batch of changes). */
export type PersistFn = (snapshot: StoreSnapshot) => void;

/** Keeps everything in memory; calls `persist` after every change. */
export class MemoryStore implements Store {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly links = new Map<string, LinkRecord>();
  private readonly guests = new Map<string, GuestStoreRecord>();
  private readonly hostInvites = new Map<string, HostInviteRecord>();
  /** Claim token hash → invite id. */
  private readonly inviteByToken = new Map<string, string>();
  private batchDepth = 0;
  private dirty = false;
  private closed = false;

  constructor(initial?: Partial<StoreSnapshot>, private readonly persist: PersistFn = () => {}) {
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
    this.sessions.set(record.id, { ...record });
    this.changed();
  }

  deleteSession(id: string): void {
    if (this.sessions.delete(id)) this.changed();
  }

  getLink(tokenHash: string): LinkRecord | undefined {
    return this.links.get(tokenHash);
  }

  allLinks(): LinkRecord[] {
    return [...this.links.values()];
  }

  putLink(record: LinkRecord): void {
    this.links.set(record.tokenHash, { ...record });
    this.changed();
  }

  deleteLink(tokenHash: string): void {
    if (this.links.delete(tokenHash)) this.changed();
  }

  getGuest(id: string): GuestStoreRecord | undefined {
    return this.guests.get(id);
  }

  allGuests(): GuestStoreRecord[] {
    return [...this.guests.values()];
  }

  putGuest(record: GuestStoreRecord): void {
    this.guests.set(record.id, { ...record });
    this.changed();
  }

  deleteGuest(id: string): void {
    if (this.guests.delete(id)) this.changed();
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
    this.unindexInvite(record.id);
    this.indexInvite({ ...record, tokenHashes: [...record.tokenHashes] });
    this.changed();
  }

  deleteHostInvite(id: string): void {
    if (this.unindexInvite(id)) this.changed();
  }

  batch<T>(fn: () => T): T {
    this.batchDepth += 1;
    try {
      return fn();
    } finally {
      this.batchDepth -= 1;
      if (this.batchDepth === 0 && this.dirty) this.flush();
    }
  }

  close(): void {
    this.closed = true;
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

  private changed(): void {
    this.dirty = true;
    if (this.batchDepth === 0) this.flush();
  }

  private flush(): void {
    this.dirty = false;
    if (!this.closed) this.persist(this.snapshot());
  }
}
