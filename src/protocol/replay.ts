// Bodies of the replay HTTP API (`/api/replays/<sessionId>/…`), shared by the
// host's recorder and the server: upload of rrweb events and audio while
// recording, finish, status, sending and abandoning the video.

import { isEmail, isFiniteNumber, isInteger, isRecord, isString } from './guards.js';
import { MAX_INVITE_MESSAGE_LENGTH } from './limits.js';

/** Prefix of every replay API path: `/api/replays/<sessionId>/<action>`. */
export const REPLAY_API_PREFIX = '/api/replays/';
/** Prefix of video URLs: `/replays/<videoToken>.mp4`. */
export const VIDEO_PATH_PREFIX = '/replays/';

/** Largest events upload on the wire (after `Content-Encoding`, if any), in bytes. */
export const MAX_REPLAY_EVENTS_BODY_BYTES = 2 * 1024 * 1024;
/** Largest events upload once inflated (a gzip/deflate body), in bytes. */
export const MAX_REPLAY_EVENTS_INFLATED_BYTES = 64 * 1024 * 1024;
/** Largest audio chunk upload, in bytes. */
export const MAX_REPLAY_AUDIO_CHUNK_BYTES = 2 * 1024 * 1024;
/** Largest recording (events and audio together) kept for one replay, in bytes. */
export const MAX_REPLAY_RECORDING_BYTES = 512 * 1024 * 1024;
/** Most events in one upload. */
export const MAX_REPLAY_EVENTS_PER_UPLOAD = 100_000;
/** Highest audio segment number (one segment per page load). */
export const MAX_REPLAY_AUDIO_SEGMENT = 9_999;
/** Highest audio chunk number within a segment. */
export const MAX_REPLAY_AUDIO_CHUNK = 999_999;
/** Most recipients of one `sendVideo`. */
export const MAX_REPLAY_RECIPIENTS = 20;
/** Longest mail subject, in characters. */
export const MAX_REPLAY_SUBJECT_LENGTH = 200;
/**
 * A recording with no upload for this long is ended by the server and rendered
 * as it is (the tab was closed). A host with nothing to upload sends an empty
 * events batch as a keep-alive well within it.
 */
export const REPLAY_IDLE_MS = 60_000;

/** Where a replay is: recording, then waiting for the renderer, rendering, and done or failed. */
export type ReplayState = 'recording' | 'queued' | 'rendering' | 'complete' | 'error';

/** Every replay state, in lifecycle order. */
export const REPLAY_STATES: readonly ReplayState[] = ['recording', 'queued', 'rendering', 'complete', 'error'];

/** Where a `sendVideo` request is: waiting for the render, sent, or failed to deliver. */
export type ReplayMailState = 'pending' | 'sent' | 'failed';

/** The last `sendVideo` request of a replay. */
export interface ReplayMailStatus {
  state: ReplayMailState;
  /** Number of addresses it goes (went) to. */
  recipients: number;
  /** Why delivery failed (state `failed`). */
  error?: string;
}

/** `GET /api/replays/<sessionId>/status` (and the answer of `finish`). */
export interface ReplayStatus {
  state: ReplayState;
  /** Rendering progress from 0 (queued or just started) to 1 (complete). */
  progress: number;
  /** True once the video is ready (state `complete`). */
  completed: boolean;
  /** Readable reason of a failed render (state `error`). */
  error?: string;
  /** Absolute URL of the MP4 (state `complete`); plays in a `<video>`, supports range requests. */
  videoUrl?: string;
  /** Epoch ms after which `videoUrl` no longer works (state `complete`). */
  videoExpiresAt?: number;
  /** The last `sendVideo` request, when there was one. */
  mail?: ReplayMailStatus;
}

/** `POST /api/replays/<sessionId>/events`: one batch of rrweb events. */
export interface ReplayEventsUpload {
  /** Batch number, unique per replay and increasing; a repeated `seq` is acknowledged and not stored again. */
  seq: number;
  /** rrweb events (`eventWithTime`), in recording order. */
  events: ReplayEvent[];
}

/** The part of an rrweb event the server looks at. */
export interface ReplayEvent {
  type: number;
  timestamp: number;
  [key: string]: unknown;
}

/** Answer to an events or audio upload. */
export interface ReplayUploadResponse {
  /** False when this batch or chunk had been stored already (a retry). */
  stored: boolean;
}

/** `POST /api/replays/<sessionId>/finish` (the body is optional). */
export interface ReplayFinishRequest {
  /** Epoch ms on the host's clock when recording stopped: the video lasts until then. */
  endedAt?: number;
}

/** `POST /api/replays/<sessionId>/send` */
export interface ReplaySendRequest {
  /** Comma-separated addresses. */
  toEmails: string;
  subject?: string;
  /** Personal message, shown above the link. */
  message?: string;
}

/** Answer to `send`: the mail state (`sent` at once when complete, `pending` until the render completes). */
export interface ReplaySendResponse {
  mail: ReplayMailStatus;
}

/** Answer to `abandon`. */
export interface ReplayAbandonResponse {
  abandoned: true;
}

/** The query of `POST /api/replays/<sessionId>/audio?segment=&chunk=&startedAt=`. */
export interface ReplayAudioChunkQuery {
  /** Audio segment: one per page load (one `MediaRecorder`), from 0. */
  segment: number;
  /** Chunk number within the segment, from 0 (only chunk 0 carries the WebM header). */
  chunk: number;
  /** Epoch ms on the host's clock when the segment's recorder started. */
  startedAt: number;
}

const MAX_EPOCH_MS = 8.64e15;

function isReplayEvent(v: unknown): v is ReplayEvent {
  return isRecord(v) && isInteger(v.type, 0, 1000) && isFiniteNumber(v.timestamp) && v.timestamp >= 0 && v.timestamp <= MAX_EPOCH_MS;
}

/** Validates an events upload; returns an error message or null. */
export function checkReplayEventsUpload(v: unknown): string | null {
  if (!isRecord(v)) return 'the body must be an object { seq, events }';
  if (!isInteger(v.seq, 0, Number.MAX_SAFE_INTEGER)) return 'seq must be a non-negative integer';
  if (!Array.isArray(v.events)) return 'events must be an array of rrweb events';
  if (v.events.length > MAX_REPLAY_EVENTS_PER_UPLOAD) return `at most ${MAX_REPLAY_EVENTS_PER_UPLOAD} events per upload`;
  const bad = v.events.findIndex((e) => !isReplayEvent(e));
  if (bad >= 0) return `events[${bad}] is not an rrweb event (an object with an integer type and a timestamp in epoch ms)`;
  return null;
}

/** Validates a finish body (`{}` or `{ endedAt }`); returns an error message or null. */
export function checkReplayFinishRequest(v: unknown): string | null {
  if (!isRecord(v)) return 'the body must be an object';
  if (v.endedAt !== undefined && !(isFiniteNumber(v.endedAt) && v.endedAt >= 0 && v.endedAt <= MAX_EPOCH_MS)) {
    return 'endedAt must be a time in epoch milliseconds';
  }
  return null;
}

/** Splits `toEmails` into trimmed addresses; null when one of them is not an address or there are none or too many. */
export function parseEmailList(toEmails: unknown): string[] | null {
  if (typeof toEmails !== 'string') return null;
  const list = toEmails.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 0 || list.length > MAX_REPLAY_RECIPIENTS || !list.every(isEmail)) return null;
  return [...new Set(list.map((s) => s.toLowerCase()))];
}

/** Validates a send request; returns an error message or null. */
export function checkReplaySendRequest(v: unknown): string | null {
  if (!isRecord(v)) return 'the body must be an object { toEmails, subject?, message? }';
  if (parseEmailList(v.toEmails) === null) {
    return `toEmails must be 1 to ${MAX_REPLAY_RECIPIENTS} comma-separated valid email addresses`;
  }
  if (v.subject !== undefined && !isString(v.subject, MAX_REPLAY_SUBJECT_LENGTH)) {
    return `subject must be a string of at most ${MAX_REPLAY_SUBJECT_LENGTH} characters`;
  }
  if (v.message !== undefined && !isString(v.message, MAX_INVITE_MESSAGE_LENGTH)) {
    return `message must be a string of at most ${MAX_INVITE_MESSAGE_LENGTH} characters`;
  }
  return null;
}

/** Parses the audio upload query; returns the values or an error message. */
export function parseReplayAudioQuery(params: URLSearchParams): ReplayAudioChunkQuery | string {
  const int = (name: string) => {
    const text = params.get(name);
    return text !== null && /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  };
  const segment = int('segment');
  const chunk = int('chunk');
  const startedAt = int('startedAt');
  if (!isInteger(segment, 0, MAX_REPLAY_AUDIO_SEGMENT)) return `segment must be an integer from 0 to ${MAX_REPLAY_AUDIO_SEGMENT}`;
  if (!isInteger(chunk, 0, MAX_REPLAY_AUDIO_CHUNK)) return `chunk must be an integer from 0 to ${MAX_REPLAY_AUDIO_CHUNK}`;
  if (!isInteger(startedAt, 0, MAX_EPOCH_MS)) return 'startedAt must be a time in epoch milliseconds';
  return { segment, chunk, startedAt };
}

/** Checks a status answer (the host's side of the boundary). */
export function isReplayStatus(v: unknown): v is ReplayStatus {
  return isRecord(v) && typeof v.state === 'string' && (REPLAY_STATES as readonly string[]).includes(v.state)
    && isFiniteNumber(v.progress) && v.progress >= 0 && v.progress <= 1 && typeof v.completed === 'boolean'
    && (v.error === undefined || typeof v.error === 'string')
    && (v.videoUrl === undefined || typeof v.videoUrl === 'string');
}
