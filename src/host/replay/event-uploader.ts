// Uploads recorded events in order while recording, so that what was uploaded
// renders even if the tab closes. Failed uploads are retried with back-off and
// nothing is dropped; `flush()` resolves once everything queued is stored.

import { defaultReconnectPolicy } from '../../common/reconnect-policy.js';
import { MAX_REPLAY_EVENTS_BODY_BYTES } from '../../protocol/index.js';
import { gzipJson, type ReplayApi } from './replay-api.js';

/** Events are sent at least this often while recording (also a keep-alive when idle). */
export const UPLOAD_INTERVAL_MS = 2_000;
/** An empty batch is sent this often when nothing happens, so the server knows the host is there. */
export const KEEPALIVE_MS = 20_000;
/** At most this many events per request. */
export const MAX_EVENTS_PER_UPLOAD = 5_000;

export class EventUploader {
  private queue: unknown[] = [];
  private seq: number;
  private sending: Promise<void> | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastSentAt = Date.now();
  private stopped = false;

  /** `firstSeq` continues the numbering of an earlier page of the same recording. */
  constructor(private readonly api: ReplayApi, firstSeq: number, private readonly onSeq: (next: number) => void) {
    this.seq = firstSeq;
    this.timer = setInterval(() => void this.pump(), UPLOAD_INTERVAL_MS);
  }

  add(events: unknown[]): void {
    if (!this.stopped) for (const e of events) this.queue.push(e);
  }

  /** Sends everything queued; resolves once stored. */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.sending) await this.pump();
  }

  /** Stops the timer (what is queued is kept for a last `flush`). Idempotent. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private pump(): Promise<void> {
    if (this.sending) return this.sending;
    const idle = Date.now() - this.lastSentAt > KEEPALIVE_MS;
    if (this.queue.length === 0 && !idle) return Promise.resolve();
    this.sending = this.sendQueued().finally(() => {
      this.sending = null;
    });
    return this.sending;
  }

  private async sendQueued(): Promise<void> {
    do {
      // Gzipped, and halved until it fits the server's request limit (one huge snapshot always fits: ~10× smaller).
      let count = Math.min(this.queue.length, MAX_EVENTS_PER_UPLOAD);
      let body = await gzipJson({ seq: this.seq, events: this.queue.slice(0, count) });
      while (body.size > MAX_REPLAY_EVENTS_BODY_BYTES * 0.9 && count > 1) {
        count = Math.ceil(count / 2);
        body = await gzipJson({ seq: this.seq, events: this.queue.slice(0, count) });
      }
      for (let attempt = 0; ; attempt++) {
        try {
          await this.api.uploadEvents(body);
          break;
        } catch {
          if (attempt >= 8) throw new Error('replay upload failed');
          await sleep(defaultReconnectPolicy.nextRetryDelayMs(attempt) ?? 1000);
        }
      }
      this.queue.splice(0, count);
      this.onSeq(++this.seq);
      this.lastSentAt = Date.now();
    } while (this.queue.length > 0);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
