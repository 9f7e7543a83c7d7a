// Records the host page with rrweb and hands out events in batches.
// Every batch goes to every synced guest, except the Meta + FullSnapshot of a
// snapshot taken for new guests, which goes to those guests alone: rrweb keeps
// node ids across snapshots, so everyone else's incremental stream stays valid.

import { EventType, record } from 'rrweb';
import type { eventWithTime } from '@rrweb/types';
import { POINTER_INTERVAL_MS } from '../protocol/index.js';
import { maskingOptions, type MaskRules } from './masking.js';

/** Who a batch is for: every synced guest, or only the guests named. */
export type Audience = { kind: 'all' } | { kind: 'only'; guestIds: readonly string[] };

export interface RecorderOptions {
  /** Receives each batch, in order. */
  onBatch: (events: eventWithTime[], audience: Audience) => void;
  /** The domain's extra mask and block selectors. */
  maskRules?: MaskRules;
}

export class Recorder {
  private stopRecording: (() => void) | undefined;
  private pending: eventWithTime[] = [];
  private flushScheduled = false;
  private snapshotTargets: readonly string[] | null = null;
  private targeted: eventWithTime[] = [];

  constructor(private readonly options: RecorderOptions) {}

  get isRecording(): boolean {
    return this.stopRecording !== undefined;
  }

  /** Starts recording; rrweb's options are fixed from here on. */
  start(): void {
    if (this.stopRecording) return;
    this.stopRecording = record({
      emit: (event) => this.handleEvent(event),
      // rrweb batches mouse positions every 500 ms by default; guests need ≈60 Hz.
      sampling: { mousemove: POINTER_INTERVAL_MS, mousemoveCallback: POINTER_INTERVAL_MS, scroll: POINTER_INTERVAL_MS },
      slimDOMOptions: { script: true, comment: true, headFavicon: true, headMetaHttpEquiv: true },
      ...maskingOptions(this.options.maskRules),
      inlineStylesheet: true,
      recordCanvas: false,
      collectFonts: false,
    }) ?? undefined;
    // record() took a snapshot: it goes to the synced guests (none at the start of a session).
  }

  /** Takes a fresh full snapshot for `guestIds`; its events are delivered synchronously. */
  snapshotFor(guestIds: readonly string[]): void {
    if (!this.stopRecording || guestIds.length === 0) return;
    this.flush();
    this.snapshotTargets = guestIds;
    try {
      record.takeFullSnapshot(true);
    } finally {
      this.snapshotTargets = null;
    }
    const targeted = this.targeted;
    this.targeted = [];
    if (targeted.length > 0) this.options.onBatch(targeted, { kind: 'only', guestIds });
    this.flush();
  }

  /** Delivers what is pending now instead of at the end of the current task. */
  flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    this.options.onBatch(events, { kind: 'all' });
  }

  /** Stops recording. Idempotent. */
  stop(): void {
    const stop = this.stopRecording;
    this.stopRecording = undefined;
    stop?.();
    this.pending = [];
    this.targeted = [];
  }

  private handleEvent(event: eventWithTime): void {
    if (this.snapshotTargets && (event.type === EventType.Meta || event.type === EventType.FullSnapshot)) {
      this.targeted.push(event);
      return;
    }
    this.pending.push(event);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }
}
