// Where renders wait and run. The in-process queue (the embedded default) runs
// one render at a time, first in first out, each in a worker process of its
// own (render-child.ts); with Redis, renders wait in a shared queue that
// `npm run worker` processes take them from (redis-render-queue.ts). A queue
// only runs jobs and reports what happened; the replay service owns states.

import type { LogFn } from '../config.js';
import { RenderFailure, renderInChild } from './render-child.js';
import type { RenderJob, RenderStats } from './render-job.js';

/** What a queue reports, per replay id. */
export interface RenderQueueEvents {
  onStarted(id: string): void;
  onProgress(id: string, done: number, total: number): void;
  onDone(id: string, stats: RenderStats): void;
  onFailed(id: string, reason: string): void;
}

/** Renders waiting and running. */
export interface RenderCounts {
  waiting: number;
  running: number;
}

export interface RenderQueue {
  /** Queues a render with a time limit; no-op when that id is queued or running already. */
  enqueue(id: string, job: RenderJob, limitMs: number): void;
  /** Drops a waiting job or stops the running one; resolves once it is gone. Nothing is reported for it. */
  cancel(id: string): Promise<void>;
  /** Renders waiting and running (for the metrics). */
  counts(): RenderCounts | Promise<RenderCounts>;
  /** Stops taking and reporting jobs. Idempotent. */
  close(): Promise<void>;
}

export interface LocalRenderQueueOptions extends RenderQueueEvents {
  /** The worker script (`dist/server/replay-worker.js`). */
  workerPath: string;
  log: LogFn;
  /** Time a stopped worker gets before SIGKILL. */
  stopGraceMs?: number;
  /** Hears how long each render that ran to an outcome took (for the metrics). */
  observe?: (seconds: number, outcome: 'done' | 'failed') => void;
}

interface Running {
  id: string;
  stop: AbortController;
  /** Settles once its worker has exited. */
  ended: Promise<void>;
}

/** One render at a time in this process's workers, first in first out. */
export class LocalRenderQueue implements RenderQueue {
  private readonly waiting: Array<{ id: string; job: RenderJob; limitMs: number }> = [];
  private running: Running | null = null;
  private closed = false;

  constructor(private readonly options: LocalRenderQueueOptions) {}

  enqueue(id: string, job: RenderJob, limitMs: number): void {
    if (this.closed || this.running?.id === id || this.waiting.some((w) => w.id === id)) return;
    this.waiting.push({ id, job, limitMs });
    this.next();
  }

  /** Ids waiting, in order (the running one is not included). */
  get queued(): string[] {
    return this.waiting.map((w) => w.id);
  }

  counts(): RenderCounts {
    return { waiting: this.waiting.length, running: this.running ? 1 : 0 };
  }

  async cancel(id: string): Promise<void> {
    const index = this.waiting.findIndex((w) => w.id === id);
    if (index >= 0) this.waiting.splice(index, 1);
    if (this.running?.id === id) await this.stop(this.running);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    if (this.running) await this.stop(this.running);
  }

  private next(): void {
    if (this.closed || this.running) return;
    const entry = this.waiting.shift();
    if (!entry) return;
    const { id } = entry;
    const stop = new AbortController();
    const startedAt = performance.now();
    const report = (outcome: 'done' | 'failed') => this.options.observe?.((performance.now() - startedAt) / 1000, outcome);
    this.options.onStarted(id);
    const rendered = renderInChild({
      workerPath: this.options.workerPath, id, job: entry.job, limitMs: entry.limitMs, log: this.options.log,
      stopGraceMs: this.options.stopGraceMs, signal: stop.signal,
      onProgress: (done, total) => this.options.onProgress(id, done, total),
    });
    const ended = rendered.then(
      (stats) => {
        report('done');
        this.options.onDone(id, stats);
      },
      (err: unknown) => {
        if (stop.signal.aborted) return; // Cancelled or closed: whoever stopped it knows.
        report('failed');
        this.options.onFailed(id, err instanceof RenderFailure ? err.reason : String(err));
      },
    ).finally(() => {
      this.running = null;
      this.next();
    });
    this.running = { id, stop, ended };
  }

  /** Stops a worker on behalf of the queue (cancel, close): its exit is reported by nobody. */
  private async stop(running: Running): Promise<void> {
    running.stop.abort();
    await running.ended;
  }
}
