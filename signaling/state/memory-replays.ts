// The replays of the one-server store, in memory: each change decided by the
// shared replay operations and applied at once (so operations are atomic),
// each record then handed to its persistence (the file store writes
// `replay.json`) before the call resolves. What uploads counted is kept in
// memory only: the persistence counts it again from the files at start.

import type { ReplayRecord } from '../replay/replay-record.js';
import * as ops from './replay-operations.js';
import type { ReplayChange, ReplayPersistence, ReplayStore, ReplayUploads } from './replay-store.js';

/** Persists nothing and finds nothing (a store of tests, or of one process that keeps nothing). */
export const NO_REPLAY_PERSISTENCE: ReplayPersistence = { loaded: [], write: () => {}, remove: () => {} };

/** The replays of a memory store. */
export class MemoryReplays implements ReplayStore {
  private readonly records = new Map<string, ReplayRecord>();
  private readonly byVideoToken = new Map<string, string>();
  private readonly seqs = new Map<string, Set<number>>();
  private readonly uploads = new Map<string, ReplayUploads>();
  private closed = false;

  constructor(private readonly persistence: ReplayPersistence = NO_REPLAY_PERSISTENCE) {
    for (const { record, uploads } of persistence.loaded) {
      this.set(structuredClone(record));
      if (uploads) {
        this.seqs.set(record.sessionId, new Set(uploads.seqs));
        this.uploads.set(record.sessionId, { bytes: uploads.bytes, lastAt: null });
      }
    }
  }

  async createReplay(record: ReplayRecord): Promise<boolean> {
    if (this.records.has(record.sessionId)) return false;
    this.put(structuredClone(record));
    return true;
  }

  async getReplay(sessionId: string): Promise<ReplayRecord | undefined> {
    return this.records.get(sessionId);
  }

  async allReplays(): Promise<ReplayRecord[]> {
    return [...this.records.values()];
  }

  async findReplayByVideoToken(videoToken: string): Promise<ReplayRecord | undefined> {
    const id = this.byVideoToken.get(videoToken);
    return id === undefined ? undefined : this.records.get(id);
  }

  async changeReplay(sessionId: string, change: ReplayChange): Promise<ReplayRecord | null> {
    const record = this.records.get(sessionId);
    const changed = ops.changeReplay(record, change);
    if (changed && changed !== record) this.put(changed);
    return changed;
  }

  async deleteReplay(sessionId: string): Promise<boolean> {
    const record = this.records.get(sessionId);
    if (!record) return false;
    this.records.delete(sessionId);
    if (record.videoToken) this.byVideoToken.delete(record.videoToken);
    this.seqs.delete(sessionId);
    this.uploads.delete(sessionId);
    if (!this.closed) this.persistence.remove(sessionId);
    return true;
  }

  async addReplaySeq(sessionId: string, seq: number): Promise<boolean> {
    let seqs = this.seqs.get(sessionId);
    if (!seqs) {
      seqs = new Set();
      this.seqs.set(sessionId, seqs);
    }
    if (seqs.has(seq)) return false;
    seqs.add(seq);
    return true;
  }

  async dropReplaySeq(sessionId: string, seq: number): Promise<void> {
    this.seqs.get(sessionId)?.delete(seq);
  }

  async countReplayUpload(sessionId: string, bytes: number, limit: number, now: number): Promise<boolean> {
    const counted = ops.countReplayUpload(this.uploads.get(sessionId), bytes, limit, now);
    if (counted) this.uploads.set(sessionId, counted);
    return counted !== null;
  }

  async replayUploads(sessionId: string): Promise<ReplayUploads | undefined> {
    return this.uploads.get(sessionId);
  }

  /** Stops persisting (the store is closing): changes are kept in memory only. */
  close(): void {
    this.closed = true;
  }

  private put(record: ReplayRecord): void {
    this.set(record);
    if (!this.closed) this.persistence.write(record);
  }

  private set(record: ReplayRecord): void {
    this.records.set(record.sessionId, record);
    if (record.videoToken) this.byVideoToken.set(record.videoToken, record.sessionId);
  }
}
