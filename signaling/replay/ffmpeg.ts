// ffmpeg and ffprobe for the renderer: the encoder's arguments (a pure
// function, tested on its own), the encoder process fed with JPEG frames, and
// the length of a recorded audio segment.

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { FRAME_RATE, type FrameSize } from './timeline.js';

/** Executables (Debian's by default; found on PATH). */
export const FFMPEG = process.env.CWMN_FFMPEG_PATH ?? 'ffmpeg';
export const FFPROBE = process.env.CWMN_FFPROBE_PATH ?? 'ffprobe';

/** One recorded audio segment, placed on the video's timeline. */
export interface AudioInput {
  /** A WebM file (the segment's chunks concatenated in order). */
  file: string;
  /** Where the segment starts on the video's timeline, in ms; negative: its beginning is cut. */
  offsetMs: number;
}

/** The cursor drawn over the frames. */
export interface CursorInput {
  /** PNG of the cursor (tip at its top left). */
  image: string;
  /** File name, in the encoder's working directory, of the `sendcmd` script that moves it. */
  commands: string;
}

/** What the encoder makes. */
export interface EncodeSpec {
  frame: FrameSize;
  /** Number of frames that will be piped in. */
  frameCount: number;
  audio: AudioInput[];
  cursor?: CursorInput;
  output: string;
  /** Working directory of ffmpeg (where `cursor.commands` is). */
  cwd?: string;
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** The `sendcmd` script placing the cursor: one line per frame where it moves. */
export function cursorCommands(moves: ReadonlyArray<{ frame: number; x: number; y: number }>): string {
  return moves.map((m) => `${seconds(Math.max(0, m.frame * 1000 / FRAME_RATE - 1))} overlay@cursor x ${m.x}, overlay@cursor y ${m.y};`)
    .join('\n') + '\n';
}

/**
 * Arguments of the encoder: JPEG frames on stdin at 25 fps (with the cursor
 * drawn over them) → H.264 (yuv420p, even size); audio segments delayed to
 * their offsets, mixed, padded with silence and cut to the video's length →
 * AAC; `+faststart` MP4.
 */
export function encoderArgs(spec: EncodeSpec): string[] {
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-f', 'image2pipe', '-framerate', String(FRAME_RATE), '-c:v', 'mjpeg', '-i', 'pipe:0'];
  let next = 1;
  if (spec.cursor) {
    if (!/^[\w.-]+$/.test(spec.cursor.commands)) throw new Error('the cursor script must be a plain file name');
    args.push('-i', spec.cursor.image);
    next += 1;
  }
  for (const a of spec.audio) args.push('-i', a.file);
  const { width, height } = spec.frame;
  const finish = `scale=${width}:${height}:flags=bicubic,format=yuv420p[vout]`;
  const graph = spec.cursor
    ? [`[0:v]sendcmd=f=${spec.cursor.commands}[bg]`, `[bg][1:v]overlay@cursor=x=-100:y=-100:eval=frame,${finish}`]
    : [`[0:v]${finish}`];
  spec.audio.forEach((a, i) => {
    const trim = a.offsetMs < 0 ? `atrim=start=${seconds(-a.offsetMs)},asetpts=PTS-STARTPTS,` : '';
    const delay = Math.max(0, Math.round(a.offsetMs));
    graph.push(`[${next + i}:a]${trim}aresample=48000,adelay=delays=${delay}:all=1[a${i}]`);
  });
  if (spec.audio.length > 1) {
    graph.push(`${spec.audio.map((_, i) => `[a${i}]`).join('')}amix=inputs=${spec.audio.length}:duration=longest:normalize=0,apad[aout]`);
  } else if (spec.audio.length === 1) {
    graph.push('[a0]apad[aout]');
  }
  args.push('-filter_complex', graph.join(';'), '-map', '[vout]',
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'stillimage', '-crf', '23', '-pix_fmt', 'yuv420p', '-r', String(FRAME_RATE));
  if (spec.audio.length > 0) args.push('-map', '[aout]', '-c:a', 'aac', '-b:a', '96k', '-ar', '48000', '-ac', '1');
  args.push('-t', seconds((spec.frameCount * 1000) / FRAME_RATE));
  if (spec.audio.length > 0) args.push('-shortest');
  args.push('-movflags', '+faststart', spec.output);
  return args;
}

/** A running encoder: write frames, then `finish()`. */
export class Encoder {
  private readonly child: ChildProcessByStdio<Writable, null, Readable>;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderr = '';

  constructor(spec: EncodeSpec) {
    this.child = spawn(FFMPEG, encoderArgs(spec), { stdio: ['pipe', 'ignore', 'pipe'], cwd: spec.cwd });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (text: string) => {
      this.stderr = (this.stderr + text).slice(-4000);
    });
    this.child.stdin.on('error', () => {}); // An early exit is reported by `finish()`.
    this.exited = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('close', (code, signal) => resolve({ code, signal }));
    });
  }

  /** Writes one frame (JPEG bytes); resolves when the pipe can take more. */
  async write(jpeg: Buffer): Promise<void> {
    if (this.child.stdin.write(jpeg)) return;
    await new Promise<void>((resolve, reject) => {
      const onDrain = () => { cleanup(); resolve(); };
      const onClose = () => { cleanup(); reject(new Error(`ffmpeg stopped early: ${this.reason()}`)); };
      const cleanup = () => {
        this.child.stdin.off('drain', onDrain);
        this.child.off('close', onClose);
      };
      this.child.stdin.once('drain', onDrain);
      this.child.once('close', onClose);
    });
  }

  /** Closes the input and waits for the MP4; rejects with ffmpeg's own words when it failed. */
  async finish(): Promise<void> {
    this.child.stdin.end();
    const { code, signal } = await this.exited;
    if (code !== 0) throw new Error(`ffmpeg failed (${signal ?? `exit code ${code}`}): ${this.reason()}`);
  }

  /** Stops the encoder at once. Idempotent. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private reason(): string {
    return this.stderr.trim().split('\n').slice(-3).join(' ') || 'no message';
  }
}

/** Runs a command and returns its stdout; rejects on a non-zero exit. */
export function run(command: string, args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => { out += t; });
    child.stderr.setEncoding('utf8').on('data', (t: string) => { err = (err + t).slice(-2000); });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${command} failed (${signal ?? `exit code ${code}`}): ${err.trim().split('\n').pop() ?? ''}`));
    });
  });
}

/**
 * Length of a WebM audio file in ms, from its last packet (MediaRecorder
 * writes no duration in the header). 0 when it has no audio packet.
 */
export async function audioLengthMs(file: string): Promise<number> {
  const out = await run(FFPROBE, ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'packet=pts_time,duration_time',
    '-of', 'csv=p=0', file]);
  let end = 0;
  for (const line of out.split('\n')) {
    const [pts, duration] = line.split(',').map(Number);
    if (pts !== undefined && Number.isFinite(pts)) end = Math.max(end, pts + (Number.isFinite(duration) ? duration! : 0));
  }
  return Math.round(end * 1000);
}
