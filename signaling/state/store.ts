// The store interface behind which all session and link state lives, and its
// in-memory implementation. Persistence is a change hook (see file-store.ts);
// a later step puts Redis behind the same interface.

import type { LinkRecord, SessionRecord, StoreSnapshot } from './records.js';
import { STATE_VERSION } from './records.js';

/** Session and link state. Records are values: change one by putting a new copy. */
export interface Store {
  getSession(id: string): SessionRecord | undefined;
  allSessions(): SessionRecord[];
  putSession(record: SessionRecord): void;
  deleteSession(id: string): void;
  getLink(tokenHash: string): LinkRecord | undefined;
  allLinks(): LinkRecord[];
  putLink(record: LinkRecord): void;
  deleteLink(tokenHash: string): void;
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
  private batchDepth = 0;
  private dirty = false;
  private closed = false;

  constructor(initial?: StoreSnapshot, private readonly persist: PersistFn = () => {}) {
    for (const s of initial?.sessions ?? []) this.sessions.set(s.id, s);
    for (const l of initial?.links ?? []) this.links.set(l.tokenHash, l);
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
    return { version: STATE_VERSION, sessions: this.allSessions(), links: this.allLinks() };
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
