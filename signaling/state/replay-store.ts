// The replays' part of the store: each replay's record (state, audio
// segments, video token, mail), found by id or by video token, and what its
// uploads left behind (the events batches stored, the bytes and time of the
// last upload), so that any server of a deployment can take a replay's next
// upload, serve its status and its video. A record changes only by one of the
// named changes below, decided by one pure function (replay-operations.ts)
// in every store: a replay leaves each state once, whichever server moves it.

import type { AudioSegment, MailRequest, ReplayRecord } from '../replay/replay-record.js';

/**
 * A change to a replay. Each applies only from the state it is for (see
 * `changeReplay`): finish (recording → queued), render (queued →
 * rendering), complete and fail (rendering → complete / error); an audio
 * segment is added while recording; a mail request is made in any state but
 * error; a mail's outcome is noted if the request it is for is still the current one.
 */
export type ReplayChange =
  | { kind: 'finish'; at: number; endedAt: number | null }
  | { kind: 'render' }
  | { kind: 'complete'; videoToken: string; videoExpiresAt: number }
  | { kind: 'fail'; reason: string }
  | { kind: 'audio-segment'; segment: AudioSegment }
  | { kind: 'mail'; mail: MailRequest }
  | { kind: 'mail-outcome'; sent: MailRequest; state: 'sent' | 'failed'; error: string | null };

/** What a recording's uploads have counted so far. */
export interface ReplayUploads {
  /** Bytes stored (events and audio), checked against the recording's limit. */
  bytes: number;
  /** Epoch milliseconds of the last upload, or null when none came since the store started (a one-server store after a restart). */
  lastAt: number | null;
}

/** Replays, as every store keeps them. */
export interface ReplayStore {
  /** Stores a new replay; false when there is one with its id already. */
  createReplay(record: ReplayRecord): Promise<boolean>;
  getReplay(sessionId: string): Promise<ReplayRecord | undefined>;
  /** Every replay, in no particular order. */
  allReplays(): Promise<ReplayRecord[]>;
  /** The replay whose video has the token `videoToken`. */
  findReplayByVideoToken(videoToken: string): Promise<ReplayRecord | undefined>;
  /**
   * Applies `change` to the replay if it applies to it now: resolves to the
   * replay as changed (as it was, when the change changes nothing), or null
   * when it is unknown or the change does not apply. Of callers making the
   * same move at the same time, one gets the replay, the others null.
   */
  changeReplay(sessionId: string, change: ReplayChange): Promise<ReplayRecord | null>;
  /** Deletes a replay with what its uploads counted; true for the one caller that deleted it. */
  deleteReplay(sessionId: string): Promise<boolean>;
  /** Notes events batch `seq` of a recording as stored; false when it was noted before (a retried batch), whoever noted it. */
  addReplaySeq(sessionId: string, seq: number): Promise<boolean>;
  /** Forgets events batch `seq` (its write failed: a retry may store it). */
  dropReplaySeq(sessionId: string, seq: number): Promise<void>;
  /**
   * Counts an upload of `bytes` (0 for one that stores nothing) at `now`,
   * unless the recording's bytes would pass `limit`: false then, nothing
   * counted. Never past the limit, however many upload at the same time.
   */
  countReplayUpload(sessionId: string, bytes: number, limit: number, now: number): Promise<boolean>;
  /** What a recording's uploads have counted (undefined: none since the store started). */
  replayUploads(sessionId: string): Promise<ReplayUploads | undefined>;
}

/** A replay a one-server store found at its start, with what was uploaded to it when it is still recording. */
export interface LoadedReplay {
  record: ReplayRecord;
  /** The events batches stored and the bytes of its files (for a recording: uploads go on). */
  uploads: { seqs: number[]; bytes: number } | null;
}

/** Where a one-server store keeps its replays across restarts (the file store: each replay's `replay.json`). */
export interface ReplayPersistence {
  /** The replays found at start. */
  loaded: LoadedReplay[];
  /** Writes a replay's record as it is now (durable once it returns). */
  write(record: ReplayRecord): void;
  /** Removes a replay's record. */
  remove(sessionId: string): void;
}
