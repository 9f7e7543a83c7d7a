// One replay recording on this page: rrweb events and microphone audio,
// uploaded while recording, and the maximum length with its warning.

import { Emitter } from '../../common/emitter.js';
import type { SessionInfo } from '../../protocol/index.js';
import type { MaskRules } from '../masking.js';
import { Recorder } from '../recorder.js';
import { AudioCapture } from './audio-capture.js';
import { EventUploader } from './event-uploader.js';
import type { ReplayApi } from './replay-api.js';

/** The warning comes this long before the maximum length. */
export const REPLAY_WARNING_BEFORE_MS = 60_000;

export type ReplaySessionEvents = {
  /** The recording approaches its maximum length. */
  timeoutWarning: (message: string) => void;
  /** The recording reached its maximum length. */
  timeout: () => void;
  /** Upload progress to keep for the next page load. */
  progress: (position: ReplayPosition) => void;
};

/** Where the recording is, so the next page load continues it. */
export interface ReplayPosition {
  /** Next events batch number. */
  seq: number;
  /** Next audio segment number. */
  segment: number;
  audioMuted: boolean;
}

export interface ReplaySessionOptions {
  api: ReplayApi;
  info: SessionInfo;
  position: ReplayPosition;
  maskRules?: MaskRules;
}

export class ReplaySession extends Emitter<ReplaySessionEvents> {
  private readonly recorder: Recorder;
  private readonly uploader: EventUploader;
  private readonly audio: AudioCapture;
  private readonly timers: ReturnType<typeof setTimeout>[] = [];
  private position: ReplayPosition;
  private finished: Promise<void> | null = null;

  constructor(private readonly options: ReplaySessionOptions) {
    super();
    this.position = { ...options.position, segment: options.position.segment + 1 };
    this.uploader = new EventUploader(options.api, options.position.seq, (seq) => this.save({ seq }));
    this.recorder = new Recorder({ onBatch: (events) => this.uploader.add(events), maskRules: options.maskRules });
    this.audio = new AudioCapture(options.api, options.position.segment, options.position.audioMuted);
    this.save({});
    this.recorder.start();
    void this.audio.start();
    this.armTimers();
  }

  /** The replay API of this recording (the render is followed through it afterwards). */
  get api(): ReplayApi {
    return this.options.api;
  }

  get sessionInfo(): SessionInfo {
    return { ...this.options.info };
  }

  get audioMuted(): boolean {
    return this.position.audioMuted;
  }

  muteAudio(muted: boolean): void {
    this.audio.setMuted(muted);
    this.save({ audioMuted: muted });
  }

  /** Stops recording, uploads what is left and tells the server to render. Idempotent. */
  finish(): Promise<void> {
    this.finished ??= (async () => {
      const endedAt = Date.now();
      this.clearTimers();
      this.recorder.stop();
      this.uploader.stop();
      await this.audio.stop();
      await this.uploader.flush();
      await this.options.api.finish(endedAt);
    })();
    return this.finished;
  }

  /** Stops recording without finishing (the page is going away). Idempotent. */
  destroy(): void {
    this.clearTimers();
    this.recorder.stop();
    this.uploader.stop();
    void this.audio.stop();
    this.removeAllListeners();
  }

  private armTimers(): void {
    const left = this.options.info.expiresAt - Date.now();
    const warnIn = left - REPLAY_WARNING_BEFORE_MS;
    if (warnIn > 0) {
      this.timers.push(setTimeout(() => this.emit('timeoutWarning',
        'The recording will stop in 1 minute: it has almost reached its maximum length.'), warnIn));
    } else if (left > 0) {
      const seconds = Math.ceil(left / 1000);
      queueMicrotask(() => this.emit('timeoutWarning', `The recording will stop in ${seconds} seconds: it has almost reached its maximum length.`));
    }
    this.timers.push(setTimeout(() => this.emit('timeout'), Math.max(0, left)));
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.length = 0;
  }

  private save(change: Partial<ReplayPosition>): void {
    this.position = { ...this.position, ...change };
    this.emit('progress', { ...this.position });
  }
}
