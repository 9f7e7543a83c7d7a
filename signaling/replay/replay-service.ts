// Replays on the server: a record per replay session, kept in the store (so
// that any server of a deployment takes its next upload and serves its status
// and its video), uploads while recording, the end of recording (finish,
// session end or expiry, silence), the render queue's outcome, the video's
// token and lifetime, mail to recipients, abandoning. Every change of a
// record is one atomic store operation: whichever servers hear of the same
// event, a replay moves once, and one of them sends its mail. Render progress
// is kept by each server, which hears it from the render queue.

import fs from 'node:fs';
import path from 'node:path';
import {
  CwmnError, ErrorCode, MAX_REPLAY_RECORDING_BYTES, parseEmailList,
  type EndReason, type ReplayAudioChunkQuery, type ReplayEventsUpload, type ReplayMailStatus,
  type ReplaySendRequest, type ReplayStatus,
} from '../../src/protocol/index.js';
import type { LogFn } from '../config.js';
import type { Clock } from '../rate-limit.js';
import { REPLAY_MOVES } from '../state/replay-operations.js';
import type { ReplayChange, ReplayStore } from '../state/replay-store.js';
import { randomToken, tokenMatches } from '../tokens.js';
import { defaultSubject, sendVideoMail, type Mailer } from './mailer.js';
import { RecordingFiles, REPLAYS_DIR_NAME } from './recording-files.js';
import type { RenderJob, RenderStats } from './render-job.js';
import type { RenderCounts, RenderQueue, RenderQueueEvents } from './render-queue.js';
import { expiredReason, mailStatus, REPLAY_RECORD_VERSION, type MailRequest, type ReplayRecord } from './replay-record.js';
import { RecordingTimers } from './recording-timers.js';

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
  /** `CWMN_DATA_DIR`: replays' files live in its `replays/` folder (shared by the servers of a deployment). */
  dataDir: string;
  /** Where replays' records are kept, and what their uploads counted. */
  store: ReplayStore;
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
  private readonly store: ReplayStore;
  /** Render progress (0–1) of the replays rendering, as the queue reports it to this server. */
  private readonly progress = new Map<string, number>();
  private readonly timers = new RecordingTimers();
  private readonly queue: RenderQueue;
  private readonly now: Clock;
  private pruneTimer: ReturnType<typeof setInterval> | null = null;
  private closed = false;

  constructor(private readonly options: ReplayServiceOptions) {
    this.root = path.join(options.dataDir, REPLAYS_DIR_NAME);
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.queue = options.renderQueue({
      onStarted: (id) => this.inBackground(id, 'could not note that its render started', () => this.rendering(id)),
      onProgress: (id, done, total) => this.progress.set(id, total > 0 ? Math.min(0.99, done / total) : 0),
      onDone: (id, stats) => this.inBackground(id, 'could not note its video', () => this.completed(id, stats)),
      onFailed: (id, reason) => this.inBackground(id, 'could not note that its render failed', () => this.failed(id, reason)),
    });
  }

  /** Renders waiting and running. */
  renders(): RenderCounts | Promise<RenderCounts> {
    return this.queue.counts();
  }

  /**
   * Takes up the stored replays: recordings wait for more uploads, queued and
   * interrupted renders are queued (again; oldest first; a queue shared by
   * several servers keeps one job per replay). Resolves once done; never
   * rejects (a failure is logged).
   */
  async start(): Promise<void> {
    try {
      const replays = await this.store.allReplays();
      for (const record of replays) if (record.state === 'recording') this.armIdle(record.sessionId);
      const pending = replays.filter((r) => r.state === 'queued' || r.state === 'rendering')
        .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0));
      for (const record of pending) this.enqueue(record);
      if (pending.length > 0) this.options.log(`replay: ${pending.length} unfinished render(s) queued again`);
      await this.prune();
    } catch (err) {
      this.options.log(`replay: could not take up the stored replays: ${(err as Error)?.message ?? String(err)}`, { level: 'error' });
    }
    if (!this.closed) this.pruneTimer = setInterval(() => void this.prune(), REPLAY_PRUNE_INTERVAL_MS);
  }

  /** Creates the record of a new replay session (stored before it resolves). */
  async open(replay: NewReplay): Promise<void> {
    fs.mkdirSync(this.files(replay.id).dir, { recursive: true, mode: 0o700 });
    const created = await this.store.createReplay({
      version: REPLAY_RECORD_VERSION, sessionId: replay.id, hostTokenHash: replay.hostTokenHash, hostName: replay.hostName,
      state: 'recording', createdAt: replay.startedAt, expiresAt: replay.expiresAt, finishedAt: null, endedAt: null,
      audioSegments: [], error: null, videoToken: null, videoExpiresAt: null, mail: null,
    });
    if (created) this.armIdle(replay.id);
  }

  /** The session of a replay ended: by the host at once; at expiry, after a short wait for the last uploads. */
  handleSessionEnded(sessionId: string, reason: EndReason): void {
    this.inBackground(sessionId, 'could not end its recording', async () => {
      const record = await this.store.getReplay(sessionId);
      if (!record || record.state !== 'recording') return;
      if (reason !== 'expired') return this.finishRecording(sessionId, null);
      this.timers.closing(sessionId, this.options.lateUploadMs, () => this.finishInBackground(sessionId));
    });
  }

  /** The replay of `sessionId` if `hostToken` is its host's; rejects with `ERR_NOT_FOUND` / `ERR_FORBIDDEN`. */
  async authorize(sessionId: string, hostToken: string | null): Promise<ReplayRecord> {
    const record = await this.store.getReplay(sessionId);
    if (!record) throw notFound();
    if (!hostToken || !tokenMatches(hostToken, record.hostTokenHash)) {
      throw new CwmnError(ErrorCode.FORBIDDEN, 'The host token does not match this replay');
    }
    return record;
  }

  /** Stores one events batch (flushed to disk before it resolves); false for a batch stored before, by any server. */
  async uploadEvents(sessionId: string, hostToken: string | null, upload: ReplayEventsUpload): Promise<boolean> {
    await this.recordingOf(sessionId, hostToken);
    // Noted before the write: a retry of the same batch meanwhile, here or on another server, is a duplicate.
    if (!(await this.store.addReplaySeq(sessionId, upload.seq))) return false;
    try {
      await this.count(sessionId, JSON.stringify(upload.events).length);
      await this.files(sessionId).appendEvents(upload.seq, upload.events);
    } catch (err) {
      await this.store.dropReplaySeq(sessionId, upload.seq).catch((dropErr: unknown) => {
        this.options.log(`replay ${sessionId}: batch ${upload.seq} not stored, and still noted: ${(dropErr as Error)?.message}`, { level: 'warn' });
      });
      throw err;
    }
    this.armIdle(sessionId);
    return true;
  }

  /** Stores one audio chunk; false for a chunk stored before. */
  async uploadAudio(sessionId: string, hostToken: string | null, chunk: ReplayAudioChunkQuery, body: Buffer): Promise<boolean> {
    const record = await this.recordingOf(sessionId, hostToken);
    if (!record.audioSegments.some((s) => s.segment === chunk.segment)) {
      const added = await this.store.changeReplay(sessionId, { kind: 'audio-segment', segment: { segment: chunk.segment, startedAt: chunk.startedAt } });
      if (!added) await this.recordingOf(sessionId, hostToken); // Gone or ended meanwhile: says which.
    }
    await this.count(sessionId, body.length);
    this.armIdle(sessionId);
    if (body.length === 0) return false;
    return this.files(sessionId).writeAudioChunk(chunk.segment, chunk.chunk, body);
  }

  /** Ends the recording and queues its render; idempotent once recording has ended. */
  async finish(sessionId: string, hostToken: string | null, endedAt: number | null): Promise<ReplayStatus> {
    const record = await this.authorize(sessionId, hostToken);
    if (record.state === 'recording') await this.finishRecording(sessionId, endedAt);
    return this.status(sessionId, hostToken);
  }

  /** Where the replay is. */
  async status(sessionId: string, hostToken: string | null): Promise<ReplayStatus> {
    const record = await this.authorize(sessionId, hostToken);
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
    const record = await this.authorize(sessionId, hostToken);
    const to = parseEmailList(request.toEmails);
    if (!to) throw new CwmnError(ErrorCode.INVALID_PARAMS, 'toEmails must be comma-separated valid email addresses');
    const nothingToSend = () => new CwmnError(ErrorCode.INVALID_STATE, 'The video could not be rendered: there is nothing to send');
    if (record.state === 'error') throw nothingToSend();
    const mail: MailRequest = {
      to, subject: request.subject?.trim() || defaultSubject(record.hostName), message: request.message?.trim() ?? '',
      state: 'pending', error: null,
    };
    const requested = await this.store.changeReplay(sessionId, { kind: 'mail', mail });
    if (!requested) {
      await this.authorize(sessionId, hostToken); // Abandoned meanwhile: not found.
      throw nothingToSend(); // Failed meanwhile.
    }
    // Complete already: sent here. Else whoever notes the video sends it (it finds the request in the record).
    if (requested.state === 'complete') await this.deliver(requested);
    return mailStatus((await this.store.getReplay(sessionId)) ?? requested);
  }

  /** Discards the replay: stops its render, deletes its recording and video, ends its session. */
  async abandon(sessionId: string, hostToken: string | null): Promise<void> {
    await this.authorize(sessionId, hostToken);
    this.forget(sessionId);
    await this.store.deleteReplay(sessionId);
    await this.queue.cancel(sessionId);
    this.options.endSession(sessionId);
    await this.files(sessionId).removeAll();
    this.options.log(`replay ${sessionId}: abandoned`);
  }

  /** The video file of a video token, or null when there is none (unknown, expired, abandoned). */
  async videoFile(videoToken: string): Promise<string | null> {
    const record = await this.store.findReplayByVideoToken(videoToken);
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

  /** Makes a move of the transition table (see `REPLAY_MOVES`); the replay as moved, or null when someone else moved it or it is gone. */
  private async move(sessionId: string, change: Extract<ReplayChange, { kind: keyof typeof REPLAY_MOVES }>): Promise<ReplayRecord | null> {
    const moved = await this.store.changeReplay(sessionId, change);
    if (moved) this.options.log(`replay ${sessionId}: ${REPLAY_MOVES[change.kind].from} -> ${REPLAY_MOVES[change.kind].to}`);
    return moved;
  }

  private async recordingOf(sessionId: string, hostToken: string | null): Promise<ReplayRecord> {
    const record = await this.authorize(sessionId, hostToken);
    if (record.state !== 'recording') throw new CwmnError(ErrorCode.SESSION_ENDED, 'The recording has ended');
    return record;
  }

  /** Counts an upload of `bytes` against the recording's limit; rejects with `ERR_TOO_LARGE` past it. */
  private async count(sessionId: string, bytes: number): Promise<void> {
    if (!(await this.store.countReplayUpload(sessionId, bytes, MAX_REPLAY_RECORDING_BYTES, this.now()))) {
      throw new CwmnError(ErrorCode.TOO_LARGE, `The recording exceeds ${MAX_REPLAY_RECORDING_BYTES} bytes`);
    }
  }

  private async finishRecording(sessionId: string, endedAt: number | null): Promise<void> {
    const finished = await this.move(sessionId, { kind: 'finish', at: this.now(), endedAt });
    if (!finished) return; // Ended already, here or on another server.
    this.timers.clear(sessionId);
    this.options.endSession(sessionId);
    this.enqueue(finished);
  }

  private finishInBackground(sessionId: string): void {
    this.inBackground(sessionId, 'could not end its recording', () => this.finishRecording(sessionId, null));
  }

  private enqueue(record: ReplayRecord): void {
    if (this.closed) return;
    const { sessionId } = record;
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

  private async rendering(sessionId: string): Promise<void> {
    this.progress.set(sessionId, 0);
    await this.move(sessionId, { kind: 'render' });
  }

  private async completed(sessionId: string, stats: RenderStats): Promise<void> {
    this.progress.delete(sessionId);
    const videoToken = randomToken();
    const complete = await this.move(sessionId, { kind: 'complete', videoToken, videoExpiresAt: this.now() + this.options.videoTtlMs });
    if (!complete) return; // Noted by another server (each hears the queue), or gone.
    this.options.log(`replay ${sessionId}: ${stats.frames} frames (${stats.screenshots} screenshots) in ${stats.renderMs} ms`);
    if (complete.mail?.state === 'pending') {
      this.deliver(complete).catch(() => {}); // The outcome is in the record.
    }
  }

  private async failed(sessionId: string, reason: string): Promise<void> {
    this.progress.delete(sessionId);
    if (await this.move(sessionId, { kind: 'fail', reason })) this.options.log(`replay ${sessionId}: render failed: ${reason}`);
  }

  /** Sends the pending mail of `record` to each recipient; the record says how it went. Rejects with `ERR_DELIVERY_FAILED`. */
  private async deliver(record: ReplayRecord): Promise<void> {
    const { sessionId, mail } = record;
    if (!mail || mail.state !== 'pending' || !record.videoToken) return;
    try {
      await sendVideoMail(this.options.mailer, mail, {
        hostName: record.hostName, videoUrl: this.videoUrl(record.videoToken), videoExpiresAt: record.videoExpiresAt ?? this.now(),
        subject: mail.subject, message: mail.message,
      });
    } catch (err) {
      const reason = `The mail could not be delivered: ${(err as Error).message}`;
      this.options.log(`replay ${sessionId}: ${reason}`);
      await this.store.changeReplay(sessionId, { kind: 'mail-outcome', sent: mail, state: 'failed', error: reason });
      throw new CwmnError(ErrorCode.DELIVERY_FAILED, reason, { cause: err });
    }
    // Unless a newer request replaced this one meanwhile.
    await this.store.changeReplay(sessionId, { kind: 'mail-outcome', sent: mail, state: 'sent', error: null });
    this.options.log(`replay ${sessionId}: video sent to ${mail.to.length} recipient(s)`);
  }

  /**
   * A recording was opened or taken up here, or an upload arrived: it ends
   * after `idleMs` without uploads (see `idleOver`), unless it waits for the
   * last uploads of an expired session (that timer is kept).
   */
  private armIdle(sessionId: string): void {
    this.timers.touch(sessionId, this.options.idleMs, () => this.idleOver(sessionId));
  }

  /**
   * This server took no upload for `idleMs`: ends the recording, unless
   * another server took one since (then waits for what is left of the idle
   * time after that one).
   */
  private idleOver(sessionId: string): void {
    this.inBackground(sessionId, 'could not check its uploads', async () => {
      const [record, uploads] = await Promise.all([this.store.getReplay(sessionId), this.store.replayUploads(sessionId)]);
      if (!record || record.state !== 'recording') return;
      const lastAt = uploads?.lastAt ?? null;
      const quietMs = lastAt === null ? Number.POSITIVE_INFINITY : this.now() - lastAt;
      if (quietMs < this.options.idleMs) {
        this.timers.idle(sessionId, this.options.idleMs - quietMs, () => this.idleOver(sessionId));
        return;
      }
      this.options.log(`replay ${sessionId}: no upload for ${Math.round(this.options.idleMs / 1000)} s: rendering what was uploaded`);
      await this.finishRecording(sessionId, null);
    }, () => this.armIdle(sessionId));
  }

  /** Runs `work` for a replay outside of any request; a failure is logged (then `onFailure` runs: to try again later). */
  private inBackground(sessionId: string, what: string, work: () => Promise<void>, onFailure?: () => void): void {
    work().catch((err: unknown) => {
      if (this.closed) return;
      this.options.log(`replay ${sessionId}: ${what}: ${(err as Error)?.message ?? String(err)}`, { level: 'warn' });
      onFailure?.();
    });
  }

  /** Forgets what this server keeps of a replay (its timer, its progress). */
  private forget(sessionId: string): void {
    this.timers.clear(sessionId);
    this.progress.delete(sessionId);
  }

  /** Deletes expired videos and old failures, with their recordings (by the one server that deletes each). */
  private async prune(): Promise<void> {
    try {
      for (const record of await this.store.allReplays()) {
        const why = expiredReason(record, this.now(), FAILED_REPLAY_RETENTION_MS);
        if (!why) continue;
        this.forget(record.sessionId);
        if (!(await this.store.deleteReplay(record.sessionId))) continue;
        fs.rmSync(this.files(record.sessionId).dir, { recursive: true, force: true });
        this.options.log(`replay ${record.sessionId}: deleted (${why})`);
      }
    } catch (err) {
      this.options.log(`replay: pruning failed: ${(err as Error)?.message ?? String(err)}`, { level: 'warn' });
    }
  }
}
