// One render, start to end: read the recording, build the frame schedule,
// replay it in Chromium taking a screenshot only for frames where something
// happened (others repeat the last frame's bytes), pipe the frames and the
// audio segments into ffmpeg, and move the MP4 into place. Runs in the render
// worker process, never in the server.

import fsp from 'node:fs/promises';
import path from 'node:path';
import { CaptureBrowser } from './capture.js';
import { audioLengthMs, cursorCommands, Encoder, type AudioInput } from './ffmpeg.js';
import { RecordingFiles } from './recording-files.js';
import { buildTimeline, seekOffset } from './timeline.js';

/** What the server asks the worker to render. */
export interface RenderJob {
  /** The replay's directory. */
  dir: string;
  /** Absolute URL of the server's render page. */
  pageUrl: string;
  /** The server certificate's key to trust for it (see `CaptureOptions.pageKey`); null: plain HTTP. */
  pageKey?: string | null;
  chromiumPath: string;
  /** Longest video, in ms. */
  maxDurationMs: number;
  /** Epoch ms (host clock) when the host stopped recording, when it said so. */
  endedAt: number | null;
  /** Audio segments uploaded, with their start (epoch ms, host clock). */
  audioSegments: Array<{ segment: number; startedAt: number }>;
  /** Origins the recorded pages may be on to be fetched from (`CWMN_ALLOWED_ORIGINS` and the server's); null = any. */
  permittedOrigins: string[] | null;
}

/** Figures of a finished render. */
export interface RenderStats {
  /** Length of the video, in ms. */
  durationMs: number;
  frames: number;
  /** Frames that needed a screenshot. */
  screenshots: number;
  width: number;
  height: number;
  audioSegments: number;
  /** Requests the render page was refused (not the recorded site's). */
  refused: number;
  /** Wall time of the render, in ms. */
  renderMs: number;
}

/** Progress callback: frames encoded so far out of all frames. */
export type ProgressFn = (done: number, total: number) => void;

/** Most time a seeked frame waits for its images, fonts and styles. */
export const FRAME_SETTLE_MS = 1500;
/** Time the first frame (the full snapshot) may wait for its resources. */
export const FIRST_FRAME_SETTLE_MS = 5000;

/** Renders the recording in `job.dir` to its `video.mp4`; rejects with a readable reason. */
export async function renderRecording(job: RenderJob, onProgress: ProgressFn, signal: AbortSignal): Promise<RenderStats> {
  const started = Date.now();
  const files = new RecordingFiles(job.dir);
  await fsp.rm(files.work, { recursive: true, force: true });
  await fsp.mkdir(files.work, { recursive: true });
  try {
    const audio = await collectAudio(files, job.audioSegments);
    const audioEndsAt = audio.length > 0 ? Math.max(...audio.map((a) => a.startedAt + a.lengthMs)) : null;
    const timeline = buildTimeline(await files.readEvents(), { maxDurationMs: job.maxDurationMs, endedAt: job.endedAt, audioEndsAt });
    onProgress(0, timeline.frameCount);

    const partial = path.join(files.work, 'video.mp4');
    const inputs: AudioInput[] = audio.map((a) => ({ file: a.file, offsetMs: a.startedAt - timeline.startTime }));
    const permitted = job.permittedOrigins;
    const origins = permitted ? timeline.origins.filter((o) => permitted.includes(o)) : timeline.origins;
    let browser: CaptureBrowser | null = await CaptureBrowser.open({
      chromiumPath: job.chromiumPath, pageUrl: job.pageUrl, pageKey: job.pageKey, origins, frame: timeline.frame,
    });
    let encoder: Encoder | null = null;
    const stop = () => encoder?.kill();
    signal.addEventListener('abort', stop);
    try {
      await browser.load(timeline.events, timeline.frame);
      // The cursor is drawn by ffmpeg from the recorded positions: a frame where only the pointer moved needs no screenshot.
      const cursor = { image: path.join(files.work, 'cursor.png'), commands: 'cursor.cmd' };
      await fsp.writeFile(cursor.image, await browser.cursorImage());
      await fsp.writeFile(path.join(files.work, cursor.commands), cursorCommands(timeline.cursor));
      encoder = new Encoder({
        frame: timeline.frame, frameCount: timeline.frameCount, audio: inputs, cursor, output: partial, cwd: files.work,
      });
      const captures = new Set(timeline.captures);
      const pointerFrames = new Set(timeline.pointerFrames);
      let last: Buffer | null = null;
      let screenshots = 0;
      const step = Math.max(1, Math.floor(timeline.frameCount / 100));
      for (let i = 0; i < timeline.frameCount; i += 1) {
        if (signal.aborted) throw new Error('The render was stopped');
        if (captures.has(i) || last === null) {
          await browser.seek(seekOffset(i), i === 0 ? FIRST_FRAME_SETTLE_MS : FRAME_SETTLE_MS);
          last = await browser.screenshot();
          screenshots += 1;
        } else if (pointerFrames.has(i) && await browser.seek(seekOffset(i), 0)) {
          last = await browser.screenshot(); // A :hover style may have changed the page.
          screenshots += 1;
        }
        await encoder.write(last);
        if ((i + 1) % step === 0) onProgress(i + 1, timeline.frameCount);
      }
      const refused = browser.refused.length;
      await browser.close();
      browser = null;
      await encoder.finish();
      await fsp.rename(partial, files.video);
      onProgress(timeline.frameCount, timeline.frameCount);
      return {
        durationMs: timeline.durationMs, frames: timeline.frameCount, screenshots,
        width: timeline.frame.width, height: timeline.frame.height, audioSegments: audio.length, refused,
        renderMs: Date.now() - started,
      };
    } finally {
      signal.removeEventListener('abort', stop);
      encoder?.kill();
      await browser?.close();
    }
  } finally {
    await fsp.rm(files.work, { recursive: true, force: true });
  }
}

interface CollectedAudio {
  file: string;
  startedAt: number;
  lengthMs: number;
}

/** Joins each segment's chunks into one file and measures it; segments with no audible packet are left out. */
async function collectAudio(files: RecordingFiles, segments: RenderJob['audioSegments']): Promise<CollectedAudio[]> {
  const out: CollectedAudio[] = [];
  for (const { segment, startedAt } of [...segments].sort((a, b) => a.segment - b.segment)) {
    const file = path.join(files.work, `audio-${segment}.webm`);
    if (!(await files.joinAudioSegment(segment, file))) continue;
    let lengthMs: number;
    try {
      lengthMs = await audioLengthMs(file);
    } catch {
      continue; // Undecodable audio (e.g. chunk 0 never arrived): the video goes on without it.
    }
    if (lengthMs > 0) out.push({ file, startedAt, lengthMs });
  }
  return out;
}
