// The IPC messages between the server and its render worker process.

import type { RenderJob, RenderStats } from './render-job.js';

/** Server → worker: the one job this worker process renders. */
export interface RenderRequest {
  type: 'render';
  job: RenderJob;
}

/** Worker → server. */
export type WorkerMessage =
  /** Frames encoded so far. */
  | { type: 'progress'; done: number; total: number }
  /** The video is in place. */
  | { type: 'done'; stats: RenderStats }
  /** The render failed; `message` is readable by the host. */
  | { type: 'error'; message: string };

/** Checks a message from a worker (it is our own code, but a crash may leave anything). */
export function isWorkerMessage(v: unknown): v is WorkerMessage {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  switch (m.type) {
    case 'progress': return typeof m.done === 'number' && typeof m.total === 'number';
    case 'done': return typeof m.stats === 'object' && m.stats !== null;
    case 'error': return typeof m.message === 'string';
    default: return false;
  }
}
