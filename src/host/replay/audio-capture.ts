// Records the host's microphone with MediaRecorder and uploads timeslice chunks
// in order. One segment per page load, with its wall-clock start (only the
// first chunk of a segment carries the WebM header). Muting disables the track,
// so the timeline goes on with silence.

import type { ReplayApi } from './replay-api.js';

/** MediaRecorder timeslice. */
export const AUDIO_TIMESLICE_MS = 1_000;

export class AudioCapture {
  private stream: MediaStream | undefined;
  private recorder: MediaRecorder | undefined;
  private chunk = 0;
  private startedAt = 0;
  private uploads: Promise<unknown> = Promise.resolve();
  private muted: boolean;
  private stopped = false;

  constructor(private readonly api: ReplayApi, private readonly segment: number, muted: boolean) {
    this.muted = muted;
  }

  /** Asks for the microphone and starts recording; resolves false when there is none or it is refused. */
  async start(): Promise<boolean> {
    if (typeof MediaRecorder === 'undefined' || !navigator.mediaDevices?.getUserMedia) return false;
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      return false; // No microphone, or the user said no: the replay goes on without sound.
    }
    if (this.stopped) {
      this.release();
      return false;
    }
    this.setMuted(this.muted);
    const type = MediaRecorder.isTypeSupported('audio/webm;codecs=opus') ? 'audio/webm;codecs=opus' : undefined;
    this.recorder = new MediaRecorder(this.stream, type ? { mimeType: type } : undefined);
    this.recorder.ondataavailable = (e) => {
      if (e.data.size === 0) return;
      const chunk = this.chunk++;
      // In order, one at a time: chunks after the first are not decodable alone.
      this.uploads = this.uploads.then(() => this.api.uploadAudio(this.segment, chunk, this.startedAt, e.data)).catch(() => {});
    };
    this.startedAt = Date.now();
    this.recorder.start(AUDIO_TIMESLICE_MS);
    return true;
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    for (const track of this.stream?.getAudioTracks() ?? []) track.enabled = !muted;
  }

  /** Stops recording and resolves once every chunk is uploaded. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return this.uploads.then(() => {});
    this.stopped = true;
    const recorder = this.recorder;
    if (recorder && recorder.state !== 'inactive') {
      const last = new Promise<void>((resolve) => recorder.addEventListener('stop', () => resolve(), { once: true }));
      recorder.stop();
      await last;
    }
    this.release();
    await this.uploads;
  }

  private release(): void {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
  }
}
