// Per-guest queue of DOM-channel frames, sent as fast as the channel drains.
// Backpressure keeps Chromium's send buffer bounded; a guest that falls too
// far behind is reported so it can be given a fresh snapshot instead.

import { CHUNK_BYTES, toFrames, type Payload } from '../protocol/index.js';
import { BUFFER_HIGH_BYTES } from '../transport/transport.js';

/** A guest with more than this many bytes queued is resynced rather than fed. */
export const MAX_QUEUED_BYTES = 96 * 1024 * 1024;
/** Largest frame payload used on links that accept big messages. */
export const MAX_CHUNK_BYTES = 64 * 1024;

/** What the queue needs of a transport. */
export interface FrameSink {
  readonly bufferedAmount: number;
  readonly maxMessageSize: number;
  sendDom(frame: Uint8Array): boolean;
}

export class OutboundQueue {
  private frames: Uint8Array[] = [];
  private head = 0;
  private queuedBytes = 0;
  /** Total bytes handed to the channel, for diagnostics and benchmarks. */
  bytesSent = 0;

  constructor(private readonly sink: FrameSink, private readonly onOverflow: () => void) {}

  enqueue(payload: Payload): void {
    const chunk = Math.max(CHUNK_BYTES, Math.min(MAX_CHUNK_BYTES, this.sink.maxMessageSize - 1));
    for (const frame of toFrames(payload, chunk)) {
      this.frames.push(frame);
      this.queuedBytes += frame.length;
    }
    if (this.queuedBytes > MAX_QUEUED_BYTES) {
      this.clear();
      this.onOverflow();
      return;
    }
    this.pump();
  }

  /** Sends until the channel's buffer is full; call again on `drain`. */
  pump(): void {
    while (this.head < this.frames.length && this.sink.bufferedAmount < BUFFER_HIGH_BYTES) {
      const frame = this.frames[this.head]!;
      if (!this.sink.sendDom(frame)) return;
      this.frames[this.head++] = EMPTY;
      this.queuedBytes -= frame.length;
      this.bytesSent += frame.length;
    }
    if (this.head === this.frames.length) {
      this.frames = [];
      this.head = 0;
    }
  }

  clear(): void {
    this.frames = [];
    this.head = 0;
    this.queuedBytes = 0;
  }
}

const EMPTY = new Uint8Array(0);
