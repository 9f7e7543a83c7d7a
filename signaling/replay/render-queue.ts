// One render at a time, first in first out, each in its own worker process
// (its own process group, a minimal environment, a time limit). The queue
// only runs jobs and reports what happened; the replay service owns states.

import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { LogFn } from '../config.js';
import type { RenderJob, RenderStats } from './render-job.js';
import { isWorkerMessage, type RenderRequest } from './worker-messages.js';

/** Time a stopped worker gets to close its browser before it is killed. */
export const WORKER_STOP_GRACE_MS = 3000;
/** Environment variables a worker inherits (no secret of the server reaches the renderer). */
const WORKER_ENV_KEYS = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'TZ', 'CWMN_FFMPEG_PATH', 'CWMN_FFPROBE_PATH'];

/** What the queue reports, per replay id. */
export interface RenderQueueEvents {
  onStarted(id: string): void;
  onProgress(id: string, done: number, total: number): void;
  onDone(id: string, stats: RenderStats): void;
  onFailed(id: string, reason: string): void;
}

export interface RenderQueueOptions extends RenderQueueEvents {
  /** The worker script (`dist/server/replay-worker.js`). */
  workerPath: string;
  log: LogFn;
  /** Time a stopped worker gets before SIGKILL (default `WORKER_STOP_GRACE_MS`). */
  stopGraceMs?: number;
  /** Hears how long each render that ran to an outcome took (for the metrics). */
  observe?: (seconds: number, outcome: 'done' | 'failed') => void;
}

interface Running {
  id: string;
  child: ChildProcess;
  timer: ReturnType<typeof setTimeout>;
  /** Set when the queue itself stopped the worker: its exit is not a failure to report. */
  stopped: boolean;
  timedOut: boolean;
  limitMs: number;
  startedAt: number;
}

/** FIFO of render jobs with one worker at a time. */
export class RenderQueue {
  private readonly waiting: Array<{ id: string; job: RenderJob; limitMs: number }> = [];
  private running: Running | null = null;
  private closed = false;

  constructor(private readonly options: RenderQueueOptions) {}

  /** Queues a render with a time limit; no-op when that id is queued or running already. */
  enqueue(id: string, job: RenderJob, limitMs: number): void {
    if (this.closed || this.running?.id === id || this.waiting.some((w) => w.id === id)) return;
    this.waiting.push({ id, job, limitMs });
    this.next();
  }

  /** Ids waiting, in order (the running one is not included). */
  get queued(): string[] {
    return this.waiting.map((w) => w.id);
  }

  /** Renders waiting and running. */
  get counts(): { waiting: number; running: number } {
    return { waiting: this.waiting.length, running: this.running ? 1 : 0 };
  }

  /** Drops a waiting job or stops the running one; resolves once its worker has exited. Nothing is reported for it. */
  async cancel(id: string): Promise<void> {
    const index = this.waiting.findIndex((w) => w.id === id);
    if (index >= 0) this.waiting.splice(index, 1);
    if (this.running?.id === id) await this.stop(this.running);
  }

  /** Stops the running worker and forgets the queue; nothing more is reported. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    if (this.running) await this.stop(this.running);
  }

  private next(): void {
    if (this.closed || this.running) return;
    const entry = this.waiting.shift();
    if (!entry) return;
    if (!fs.existsSync(this.options.workerPath)) {
      this.options.onFailed(entry.id, 'The renderer is not built on this server (run `npm run build`)');
      queueMicrotask(() => this.next());
      return;
    }
    const env: NodeJS.ProcessEnv = {};
    for (const key of WORKER_ENV_KEYS) if (process.env[key] !== undefined) env[key] = process.env[key];
    let child: ChildProcess;
    try {
      child = fork(this.options.workerPath, [], {
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'], detached: true, env, execArgv: [], serialization: 'advanced',
      });
    } catch (err) {
      this.options.onFailed(entry.id, `The renderer could not start: ${(err as Error).message}`);
      queueMicrotask(() => this.next());
      return;
    }
    const running: Running = {
      id: entry.id, child, stopped: false, timedOut: false, limitMs: entry.limitMs, startedAt: performance.now(),
      timer: setTimeout(() => {
        running.timedOut = true;
        void this.terminate(running);
      }, entry.limitMs),
    };
    this.running = running;
    this.options.log(`replay ${entry.id}: rendering (worker ${child.pid})`);
    this.options.onStarted(entry.id);

    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => { if (stderr.length < 4000) stderr += text; });
    let result: { ok: true; stats: RenderStats } | { ok: false; reason: string } | null = null;
    child.on('message', (message: unknown) => {
      if (running.stopped || !isWorkerMessage(message)) return;
      if (message.type === 'progress') this.options.onProgress(entry.id, message.done, message.total);
      else if (message.type === 'done') result = { ok: true, stats: message.stats };
      else result = { ok: false, reason: message.message };
    });
    child.on('error', (err) => {
      result ??= { ok: false, reason: `The renderer could not start: ${err.message}` };
    });
    child.once('close', (code, signal) => { // After 'exit', once stderr is read to its end.
      clearTimeout(running.timer);
      this.running = null;
      const outcome = result;
      if (!running.stopped) this.options.observe?.((performance.now() - running.startedAt) / 1000, outcome?.ok ? 'done' : 'failed');
      if (running.stopped) {
        // Cancelled or closed: whoever stopped it knows.
      } else if (outcome?.ok) {
        this.options.onDone(entry.id, outcome.stats);
      } else if (running.timedOut) {
        this.options.onFailed(entry.id, `Rendering took longer than its limit of ${Math.ceil(running.limitMs / 1000)} s`);
      } else {
        if (stderr.trim()) this.options.log(`replay ${entry.id}: worker said: ${stderr.trim().split('\n').slice(0, 5).join(' | ')}`);
        this.options.onFailed(entry.id, outcome?.reason ?? `The renderer stopped unexpectedly (${signal ?? `exit code ${code}`})`);
      }
      this.next();
    });
    child.send({ type: 'render', job: entry.job } satisfies RenderRequest);
  }

  /** Stops a worker on behalf of the queue (cancel, close): its exit is reported by nobody. */
  private async stop(running: Running): Promise<void> {
    running.stopped = true;
    await this.terminate(running);
  }

  /** SIGTERM, then after a grace period SIGKILL to the worker's whole process group; resolves on exit. */
  private terminate(running: Running): Promise<void> {
    const { child } = running;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }, this.options.stopGraceMs ?? WORKER_STOP_GRACE_MS);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
