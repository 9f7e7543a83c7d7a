// Replays on the server: a record per replay session (written through to
// `replays/<id>/replay.json`), uploads while recording, the end of recording
// (finish, session end or expiry, silence), the render queue's outcome, the
// video's token and lifetime, mail to recipients, abandoning.

import fs from 'node:fs';
import path from 'node:path';
import {
  CwmnError, ErrorCode, MAX_REPLAY_RECORDING_BYTES, parseEmailList,
  type EndReason, type ReplayAudioChunkQuery, type ReplayEventsUpload, type ReplayMailStatus,
  type ReplaySendRequest, type ReplayState, type ReplayStatus,
} from '../../src/protocol/index.js';
import type { LogFn } from '../config.js';
import type { Clock } from '../rate-limit.js';
import { randomToken, tokenMatches } from '../tokens.js';
import { defaultSubject, sendVideoMail, type Mailer } from './mailer.js';
import { RecordingFiles, REPLAYS_DIR_NAME } from './recording-files.js';
import type { RenderJob, RenderStats } from './render-job.js';
import type { RenderCounts, RenderQueue, RenderQueueEvents } from './render-queue.js';
import {
  expiredReason, mailStatus, readReplayRecord, REPLAY_RECORD_VERSION, writeJsonAtomic, type ReplayRecord,
} from './replay-record.js';
import { RecordingTimers } from './recording-timers.js';
import { canTransition } from './replay-state.js';

/** Failed replays are kept this long (the host can still read why), then deleted. */
export const FAILED_REPLAY_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** How often expired videos and old failures are deleted. */
export const REPLAY_PRUNE_INTERVAL_MS = 60 * 60 * 1000;
/** Render time limit: this many times the recording's length… */
export const RENDER_LIMIT_FACTOR = 5;
/** …plus this. */
export const RENDER_LIMIT_EXTRA_MS = 60_000;

/** Settings and collaborators of the replay service. */
export interface ReplayServiceOptions {
  /** `CWMN_DATA_DIR`: replays live in its `replays/` folder. */
  dataDir: string;
  /** Base of video URLs (the server's public URL). */
  publicUrl: string;
  /** Absolute URL of the render page, as the worker's browser reaches it (the bound address). */
  renderPageUrl: string;
  /**
   * With TLS, the base64 SHA-256 of the server certificate's public key: the renderer trusts that one key for the
   * render page, whatever the name on the certificate (it reaches the bound address, not the public name). Null: none.
   */
  renderPageKey?: () => string | null;
  chromiumPath: string;
  /** Makes the queue renders wait and run in, reporting to `events`. */
  renderQueue: (events: RenderQueueEvents) => RenderQueue;
  /** Origins a recorded page may be on for the renderer to fetch its images and styles; null = any. */
  permittedOrigins: string[] | null;
  /** Longest recording, in seconds. */
  maxSeconds: number;
  /** Lifetime of a video URL, in ms. */
  videoTtlMs: number;
  /** A recording with no upload for this long is ended and rendered. */
  idleMs: number;
  /** After the session expired, uploads are still taken this long before the render starts. */
  lateUploadMs: number;
  mailer: Mailer;
  /** Ends the replay's session (store and sockets); a no-op when it has ended. */
  endSession: (sessionId: string) => void;
  log: LogFn;
  now?: Clock;
}

/** What `open` needs of a new replay session. */
export interface NewReplay {
  id: string;
  hostTokenHash: string;
  hostName: string;
  startedAt: number;
  expiresAt: number;
}

const notFound = () => new CwmnError(ErrorCode.NOT_FOUND, 'No such replay');

/** Replays: records, uploads, rendering outcome, video, mail. */
export class ReplayService {
  private readonly root: string;
  private readonly records = new Map<string, ReplayRecord>();
  private readonly byVideoToken = new Map<string, string>();
  private readonly seqs = new Map<string, Promise<Set<number>>>();
  private readonly bytes = new Map<string, number>();
  private readonly progress = new Map<string, number>();
  private readonly timers = new RecordingTimers();
  private readonly queue: RenderQueue;
  private readonly now: Clock;
  private pruneTimer: ReturnType<typeof setInterval> | null = null;
  private closed = false;

  constructor(private readonly options: ReplayServiceOptions) {
    this.root = path.join(options.dataDir, REPLAYS_DIR_NAME);
    this.now = options.now ?? Date.now;
    this.queue = options.renderQueue({
      onStarted: (id) => this.rendering(id),
      onProgress: (id, done, total) => this.progress.set(id, total > 0 ? Math.min(0.99, done / total) : 0),
      onDone: (id, stats) => this.completed(id, stats),
      onFailed: (id, reason) => this.failed(id, reason),
    });
  }

  /** Renders waiting and running. */
  renders(): RenderCounts | Promise<RenderCounts> {
    return this.queue.counts();
  }

  /**
   * Loads stored replays: recordings wait for more uploads, queued and
   * interrupted renders are queued again (oldest first; an interrupted one
   * stays `rendering`: with a shared queue, a worker may still be rendering it).
   */
  start(): void {
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.root);
    } catch {
      // No replay yet: the folder is made with the first one.
    }
    const loaded = names.map((name) => readReplayRecord(this.files(name).record)).filter((r): r is ReplayRecord => r !== null);
    for (const record of loaded) {
      this.records.set(record.sessionId, record);
      if (record.videoToken) this.byVideoToken.set(record.videoToken, record.sessionId);
      if (record.state === 'recording') this.armIdle(record.sessionId);
    }
    const pending = loaded.filter((r) => r.state === 'queued' || r.state === 'rendering')
      .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0));
    for (const record of pending) this.enqueue(record.sessionId);
    if (pending.length > 0) this.options.log(`replay: ${pending.length} render(s) queued again after a restart`);
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), REPLAY_PRUNE_INTERVAL_MS);
  }

  /** Creates the record of a new replay session (persisted before it returns). */
  open(replay: NewReplay): void {
    if (this.records.has(replay.id)) return;
    fs.mkdirSync(this.files(replay.id).dir, { recursive: true, mode: 0o700 });
    this.put({
      version: REPLAY_RECORD_VERSION, sessionId: replay.id, hostTokenHash: replay.hostTokenHash, hostName: replay.hostName,
      state: 'recording', createdAt: replay.startedAt, expiresAt: replay.expiresAt, finishedAt: null, endedAt: null,
      audioSegments: [], error: null, videoToken: null, videoExpiresAt: null, mail: null,
    });
    this.armIdle(replay.id);
  }

  /** The session of a replay ended: by the host at once; at expiry, after a short wait for the last uploads. */
  handleSessionEnded(sessionId: string, reason: EndReason): void {
    const record = this.records.get(sessionId);
    if (!record || record.state !== 'recording') return;
    if (reason !== 'expired') {
      this.finishRecording(sessionId, null);
      return;
    }
    this.timers.closing(sessionId, this.options.lateUploadMs, () => this.finishRecording(sessionId, null));
  }

  /** The replay of `sessionId` if `hostToken` is its host's; throws `ERR_NOT_FOUND` / `ERR_FORBIDDEN`. */
  authorize(sessionId: string, hostToken: string | null): ReplayRecord {
    const record = this.records.get(sessionId);
    if (!record) throw notFound();
    if (!hostToken || !tokenMatches(hostToken, record.hostTokenHash)) {
      throw new CwmnError(ErrorCode.FORBIDDEN, 'The host token does not match this replay');
    }
    return record;
  }

  /** Stores one events batch (flushed to disk before it resolves); false for a batch stored before. */
  async uploadEvents(sessionId: string, hostToken: string | null, upload: ReplayEventsUpload): Promise<boolean> {
    this.recordingOf(sessionId, hostToken);
    let seqs = this.seqs.get(sessionId);
    if (!seqs) {
      seqs = this.files(sessionId).storedSeqs();
      this.seqs.set(sessionId, seqs);
    }
    const seen = await seqs;
    if (seen.has(upload.seq)) return false;
    seen.add(upload.seq); // Before the write: a concurrent retry of the same batch is a duplicate.
    try {
      this.recordingOf(sessionId, hostToken); // Still recording after the wait.
      this.reserve(sessionId, JSON.stringify(upload.events).length);
      await this.files(sessionId).appendEvents(upload.seq, upload.events);
    } catch (err) {
      seen.delete(upload.seq);
      throw err;
    }
    this.timers.touch(sessionId);
    return true;
  }

  /** Stores one audio chunk; false for a chunk stored before. */
  async uploadAudio(sessionId: string, hostToken: string | null, chunk: ReplayAudioChunkQuery, body: Buffer): Promise<boolean> {
    const record = this.recordingOf(sessionId, hostToken);
    if (!record.audioSegments.some((s) => s.segment === chunk.segment)) {
      this.put({ ...record, audioSegments: [...record.audioSegments, { segment: chunk.segment, startedAt: chunk.startedAt }] });
    }
    this.timers.touch(sessionId);
    if (body.length === 0) return false;
    this.reserve(sessionId, body.length);
    return this.files(sessionId).writeAudioChunk(chunk.segment, chunk.chunk, body);
  }

  /** Ends the recording and queues its render; idempotent once recording has ended. */
  finish(sessionId: string, hostToken: string | null, endedAt: number | null): ReplayStatus {
    const record = this.authorize(sessionId, hostToken);
    if (record.state === 'recording') this.finishRecording(sessionId, endedAt);
    return this.status(sessionId, hostToken);
  }

  /** Where the replay is; cheap (memory only). */
  status(sessionId: string, hostToken: string | null): ReplayStatus {
    const record = this.authorize(sessionId, hostToken);
    const progress = record.state === 'complete' ? 1 : record.state === 'rendering' ? (this.progress.get(sessionId) ?? 0) : 0;
    const status: ReplayStatus = { state: record.state, progress, completed: record.state === 'complete' };
    if (record.state === 'error') status.error = record.error ?? 'The video could not be rendered';
    if (record.state === 'complete' && record.videoToken) {
      status.videoUrl = this.videoUrl(record.videoToken);
      status.videoExpiresAt = record.videoExpiresAt ?? undefined;
    }
    if (record.mail) status.mail = mailStatus(record);
    return status;
  }

  /** Mails the video to each recipient: now when it is ready, else as soon as it is. */
  async send(sessionId: string, hostToken: string | null, request: ReplaySendRequest): Promise<ReplayMailStatus> {
    const record = this.authorize(sessionId, hostToken);
    const to = parseEmailList(request.toEmails);
    if (!to) throw new CwmnError(ErrorCode.INVALID_PARAMS, 'toEmails must be comma-separated valid email addresses');
    if (record.state === 'error') throw new CwmnError(ErrorCode.INVALID_STATE, 'The video could not be rendered: there is nothing to send');
    const mail = {
      to, subject: request.subject?.trim() || defaultSubject(record.hostName), message: request.message?.trim() ?? '',
      state: 'pending' as const, error: null,
    };
    this.put({ ...record, mail });
    if (record.state === 'complete') await this.deliver(sessionId);
    return mailStatus(this.records.get(sessionId)!);
  }

  /** Discards the replay: stops its render, deletes its recording and video, ends its session. */
  async abandon(sessionId: string, hostToken: string | null): Promise<void> {
    const record = this.authorize(sessionId, hostToken);
    this.forget(record);
    await this.queue.cancel(sessionId);
    this.options.endSession(sessionId);
    await this.files(sessionId).removeAll();
    this.options.log(`replay ${sessionId}: abandoned`);
  }

  /** The video file of a video token, or null when there is none (unknown, expired, abandoned). */
  videoFile(videoToken: string): string | null {
    const id = this.byVideoToken.get(videoToken);
    const record = id === undefined ? undefined : this.records.get(id);
    if (!record || record.state !== 'complete' || (record.videoExpiresAt ?? 0) <= this.now()) return null;
    return this.files(record.sessionId).video;
  }

  /** Absolute URL of a video. */
  videoUrl(videoToken: string): string {
    return `${this.options.publicUrl}/replays/${videoToken}.mp4`;
  }

  /** Stops timers and the running render (its record stays `rendering`, queued again on the next start). Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.timers.close();
    await this.queue.close();
  }

  private files(sessionId: string): RecordingFiles {
    return new RecordingFiles(path.join(this.root, sessionId));
  }

  private put(record: ReplayRecord): void {
    if (!this.records.has(record.sessionId) && record.state !== 'recording') return; // Abandoned meanwhile.
    this.records.set(record.sessionId, record);
    writeJsonAtomic(this.files(record.sessionId).record, record);
  }

  /** Moves a replay to `state` (with other changes); false when the table forbids it or the replay is gone. */
  private move(sessionId: string, state: ReplayState, changes: Partial<ReplayRecord> = {}): boolean {
    const record = this.records.get(sessionId);
    if (!record || !canTransition(record.state, state)) return false;
    this.put({ ...record, ...changes, state });
    this.options.log(`replay ${sessionId}: ${record.state} -> ${state}`);
    return true;
  }

  private recordingOf(sessionId: string, hostToken: string | null): ReplayRecord {
    const record = this.authorize(sessionId, hostToken);
    if (record.state !== 'recording') throw new CwmnError(ErrorCode.SESSION_ENDED, 'The recording has ended');
    return record;
  }

  /** Counts `size` more bytes against the recording's limit; throws `ERR_TOO_LARGE` past it. */
  private reserve(sessionId: string, size: number): void {
    const total = (this.bytes.get(sessionId) ?? this.files(sessionId).size()) + size;
    if (total > MAX_REPLAY_RECORDING_BYTES) {
      throw new CwmnError(ErrorCode.TOO_LARGE, `The recording exceeds ${MAX_REPLAY_RECORDING_BYTES} bytes`);
    }
    this.bytes.set(sessionId, total);
  }

  private finishRecording(sessionId: string, endedAt: number | null): void {
    const record = this.records.get(sessionId);
    if (!record || record.state !== 'recording') return;
    this.timers.clear(sessionId);
    this.move(sessionId, 'queued', { finishedAt: this.now(), endedAt: endedAt ?? record.endedAt });
    this.options.endSession(sessionId);
    this.enqueue(sessionId);
  }

  private enqueue(sessionId: string): void {
    const record = this.records.get(sessionId);
    if (!record || this.closed) return;
    const maxDurationMs = this.options.maxSeconds * 1000;
    const job: RenderJob = {
      dir: this.files(sessionId).dir, pageUrl: this.options.renderPageUrl, pageKey: this.options.renderPageKey?.() ?? null,
      chromiumPath: this.options.chromiumPath,
      maxDurationMs, endedAt: record.endedAt, audioSegments: record.audioSegments, permittedOrigins: this.options.permittedOrigins,
    };
    // The recording's length is known only to the worker; the limit takes the longest it can be.
    const recordedMs = Math.min(maxDurationMs, Math.max(0, (record.finishedAt ?? this.now()) - record.createdAt));
    this.queue.enqueue(sessionId, job, RENDER_LIMIT_FACTOR * recordedMs + RENDER_LIMIT_EXTRA_MS);
  }

  private rendering(sessionId: string): void {
    this.progress.set(sessionId, 0);
    this.move(sessionId, 'rendering');
  }

  private completed(sessionId: string, stats: RenderStats): void {
    const videoToken = randomToken();
    if (!this.move(sessionId, 'complete', { videoToken, videoExpiresAt: this.now() + this.options.videoTtlMs })) return;
    this.byVideoToken.set(videoToken, sessionId);
    this.progress.delete(sessionId);
    this.options.log(`replay ${sessionId}: ${stats.frames} frames (${stats.screenshots} screenshots) in ${stats.renderMs} ms`);
    if (this.records.get(sessionId)?.mail?.state === 'pending') {
      this.deliver(sessionId).catch(() => {}); // The outcome is in the record.
    }
  }

  private failed(sessionId: string, reason: string): void {
    const record = this.records.get(sessionId);
    const mail = record?.mail?.state === 'pending' ? { ...record.mail, state: 'failed' as const, error: reason } : record?.mail ?? null;
    this.progress.delete(sessionId);
    if (this.move(sessionId, 'error', { error: reason, mail })) this.options.log(`replay ${sessionId}: render failed: ${reason}`);
  }

  /** Sends the pending mail to each recipient; the record says how it went. Rejects with `ERR_DELIVERY_FAILED`. */
  private async deliver(sessionId: string): Promise<void> {
    const record = this.records.get(sessionId);
    if (!record?.mail || record.mail.state !== 'pending' || !record.videoToken) return;
    const { mail } = record;
    try {
      await sendVideoMail(this.options.mailer, mail, {
        hostName: record.hostName, videoUrl: this.videoUrl(record.videoToken), videoExpiresAt: record.videoExpiresAt ?? this.now(),
        subject: mail.subject, message: mail.message,
      });
    } catch (err) {
      const reason = `The mail could not be delivered: ${(err as Error).message}`;
      this.options.log(`replay ${sessionId}: ${reason}`);
      this.updateMail(sessionId, mail, { state: 'failed', error: reason });
      throw new CwmnError(ErrorCode.DELIVERY_FAILED, reason, { cause: err });
    }
    this.updateMail(sessionId, mail, { state: 'sent', error: null });
    this.options.log(`replay ${sessionId}: video sent to ${mail.to.length} recipient(s)`);
  }

  /** Updates the mail request it was given, unless a newer one replaced it meanwhile. */
  private updateMail(sessionId: string, mail: NonNullable<ReplayRecord['mail']>, changes: Partial<NonNullable<ReplayRecord['mail']>>): void {
    const current = this.records.get(sessionId);
    if (current?.mail === mail) this.put({ ...current, mail: { ...mail, ...changes } });
  }

  private armIdle(sessionId: string): void {
    this.timers.idle(sessionId, this.options.idleMs, () => {
      this.options.log(`replay ${sessionId}: no upload for ${Math.round(this.options.idleMs / 1000)} s: rendering what was uploaded`);
      this.finishRecording(sessionId, null);
    });
  }

  /** Removes a replay from memory (its files are deleted by the caller). */
  private forget(record: ReplayRecord): void {
    this.timers.clear(record.sessionId);
    this.records.delete(record.sessionId);
    if (record.videoToken) this.byVideoToken.delete(record.videoToken);
    for (const map of [this.seqs, this.bytes, this.progress]) map.delete(record.sessionId);
  }

  /** Deletes expired videos and old failures, with their recordings. */
  private prune(): void {
    for (const record of [...this.records.values()]) {
      const why = expiredReason(record, this.now(), FAILED_REPLAY_RETENTION_MS);
      if (!why) continue;
      this.forget(record);
      fs.rmSync(this.files(record.sessionId).dir, { recursive: true, force: true });
      this.options.log(`replay ${record.sessionId}: deleted (${why})`);
    }
  }
}

