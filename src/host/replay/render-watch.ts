// After a replay recording: follows the server's render (progress from 0 to 1,
// complete or error), and sends or abandons the video.

import { Emitter } from '../../common/emitter.js';
import { CwmnError, ErrorCode, isRecord, type ReplaySendRequest, type ReplayStatus } from '../../protocol/index.js';
import type { ReplayProgress } from '../events.js';
import type { ReplayApi } from './replay-api.js';

/** The render's status is asked for this often. */
export const POLL_INTERVAL_MS = 1_000;

export type RenderWatchEvents = {
  progress: (progress: ReplayProgress) => void;
  complete: () => void;
  error: (reason: string) => void;
  /** A video requested with `send` while rendering was mailed once the render completed. */
  sent: () => void;
  /** A video requested with `send` while rendering could not be mailed. */
  sendFailed: (reason: string) => void;
};

export class RenderWatch extends Emitter<RenderWatchEvents> {
  private status: ReplayStatus = { state: 'queued', progress: 0, completed: false };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sendRequested = false;
  private failures = 0;
  private stopped = false;

  constructor(private readonly api: ReplayApi) {
    super();
    queueMicrotask(() => {
      this.emit('progress', { progress: 0, completed: false });
      void this.poll();
    });
  }

  get progress(): ReplayProgress {
    return { progress: this.status.progress, completed: this.status.completed };
  }

  get videoUrl(): string | undefined {
    return this.status.videoUrl;
  }

  /**
   * Resolves once a send asked for while rendering went out; rejects with
   * `ERR_DELIVERY_FAILED` when it did not, or the render's error when there is no video.
   */
  whenSent(): Promise<void> {
    return new Promise((resolve, reject) => {
      const offs = [
        this.once('sent', () => { offs.forEach((off) => off()); resolve(); }),
        this.once('sendFailed', (reason) => { offs.forEach((off) => off()); reject(new CwmnError(ErrorCode.DELIVERY_FAILED, reason)); }),
        this.once('error', (reason) => { offs.forEach((off) => off()); reject(new CwmnError(ErrorCode.SERVER, `No video to send: ${reason}`)); }),
      ];
    });
  }

  /**
   * Emails the video: at once when complete ('sent'), else as soon as the
   * render completes ('pending'; `sent` or `sendFailed` follows).
   */
  async send(request: ReplaySendRequest): Promise<'sent' | 'pending'> {
    const res = await this.api.send(request);
    const mail = isRecord(res) && isRecord(res.mail) ? res.mail : undefined;
    if (mail?.state === 'sent') return 'sent';
    if (mail?.state === 'pending') {
      this.sendRequested = true;
      this.schedule();
      return 'pending';
    }
    const reason = typeof mail?.error === 'string' ? mail.error : 'The video could not be sent';
    throw new CwmnError(ErrorCode.DELIVERY_FAILED, reason);
  }

  /** Discards the video and its recording. */
  async abandon(): Promise<void> {
    await this.api.abandon();
    this.stop();
  }

  /** Stops polling. Idempotent. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.removeAllListeners();
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    clearTimeout(this.timer);
    let next: ReplayStatus;
    try {
      next = await this.api.status();
      this.failures = 0;
    } catch (err) {
      if (++this.failures >= 30 || (err instanceof CwmnError && err.code !== ErrorCode.NETWORK)) {
        this.emit('error', err instanceof Error ? err.message : 'The render could not be followed');
        return;
      }
      this.schedule();
      return;
    }
    this.apply(next);
  }

  private apply(next: ReplayStatus): void {
    const before = this.status;
    this.status = next;
    if (next.state === 'error') {
      this.emit('error', next.error ?? 'The video could not be rendered');
      return;
    }
    if (next.progress !== before.progress || next.completed !== before.completed) {
      this.emit('progress', { progress: next.progress, completed: next.completed });
    }
    if (next.completed && !before.completed) this.emit('complete');
    if (this.sendRequested && next.mail?.state === 'sent') {
      this.sendRequested = false;
      this.emit('sent');
      return;
    }
    if (this.sendRequested && next.mail?.state === 'failed') {
      this.sendRequested = false;
      this.emit('sendFailed', next.mail.error ?? 'The video could not be sent');
    }
    if (!next.completed || this.sendRequested) this.schedule();
  }

  private schedule(): void {
    if (!this.stopped) this.timer = setTimeout(() => void this.poll(), POLL_INTERVAL_MS);
  }
}
