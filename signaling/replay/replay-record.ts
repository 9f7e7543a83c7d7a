// What the server keeps about one replay (in the store; the one-server store
// writes it to `replays/<sessionId>/replay.json`), how a record read back is
// checked, and the atomic write.

import fs from 'node:fs';
import { writeFileAtomicSync } from '../atomic-file.js';
import {
  isId, isInteger, isRecord, isString, REPLAY_STATES, type ReplayMailState, type ReplayMailStatus, type ReplayState,
} from '../../src/protocol/index.js';

/** Format version of `replay.json`. */
export const REPLAY_RECORD_VERSION = 1;

/** One audio segment (one page load's MediaRecorder). */
export interface AudioSegment {
  segment: number;
  /** Epoch ms, host clock, when its recorder started. */
  startedAt: number;
}

/** A `sendVideo` request as kept until (and after) it is delivered. */
export interface MailRequest {
  to: string[];
  subject: string;
  message: string;
  state: ReplayMailState;
  error: string | null;
}

/** A replay as stored. Times are epoch ms on the server's clock unless said otherwise. */
export interface ReplayRecord {
  version: typeof REPLAY_RECORD_VERSION;
  sessionId: string;
  /** SHA-256 of the host token (a copy of the session's: the replay outlives the session record). */
  hostTokenHash: string;
  hostName: string;
  state: ReplayState;
  createdAt: number;
  /** Longest the recording may last: the session's expiry. */
  expiresAt: number;
  /** When recording ended (finish, expiry, or the host went silent). */
  finishedAt: number | null;
  /** Host clock: when the host said it stopped recording. */
  endedAt: number | null;
  audioSegments: AudioSegment[];
  /** Readable reason of a failed render. */
  error: string | null;
  /** Secret part of the video URL (kept in clear: the video itself sits beside it). */
  videoToken: string | null;
  videoExpiresAt: number | null;
  mail: MailRequest | null;
}

const isTime = (v: unknown): v is number => isInteger(v, 0, Number.MAX_SAFE_INTEGER);
const isTimeOrNull = (v: unknown) => v === null || isTime(v);

function isMailRequest(v: unknown): v is MailRequest {
  return isRecord(v) && Array.isArray(v.to) && v.to.every((t) => typeof t === 'string') && typeof v.subject === 'string'
    && typeof v.message === 'string' && (v.state === 'pending' || v.state === 'sent' || v.state === 'failed')
    && (v.error === null || typeof v.error === 'string');
}

/** Checks a record read back from disk or from a shared store. */
export function isReplayRecord(v: unknown): v is ReplayRecord {
  return isRecord(v) && v.version === REPLAY_RECORD_VERSION && isId(v.sessionId) && typeof v.hostTokenHash === 'string'
    && isString(v.hostName, 1000) && (REPLAY_STATES as readonly unknown[]).includes(v.state)
    && isTime(v.createdAt) && isTime(v.expiresAt) && isTimeOrNull(v.finishedAt) && isTimeOrNull(v.endedAt)
    && Array.isArray(v.audioSegments) && v.audioSegments.every((s) => isRecord(s) && isInteger(s.segment, 0, 1e9) && isTime(s.startedAt))
    && (v.error === null || typeof v.error === 'string') && (v.videoToken === null || typeof v.videoToken === 'string')
    && isTimeOrNull(v.videoExpiresAt) && (v.mail === null || isMailRequest(v.mail));
}

/** The mail request as the host sees it. */
export function mailStatus(record: ReplayRecord): ReplayMailStatus {
  const mail = record.mail!;
  return { state: mail.state, recipients: mail.to.length, ...(mail.error ? { error: mail.error } : {}) };
}

/** Why a replay is due for deletion (its video expired, or it failed `retentionMs` ago), or null. */
export function expiredReason(record: ReplayRecord, now: number, retentionMs: number): string | null {
  if (record.state === 'complete' && (record.videoExpiresAt ?? 0) <= now) return 'video expired';
  if (record.state === 'error' && (record.finishedAt ?? record.createdAt) + retentionMs <= now) return 'old failure';
  return null;
}

/** Writes `value` as JSON atomically (temporary file, flush, rename). */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomicSync(file, JSON.stringify(value));
}

/** Reads a record; null when it is missing or not a replay record. */
export function readReplayRecord(file: string): ReplayRecord | null {
  try {
    const data: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return isReplayRecord(data) ? data : null;
  } catch {
    return null;
  }
}
