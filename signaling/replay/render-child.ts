// One render in a worker process of its own: forked from the render worker
// script with a minimal environment (no secret of the server reaches the
// renderer), in its own process group, under a time limit. Both render queues
// (in the server, or in `npm run worker` processes) run jobs this way.

import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { LogFn } from '../config.js';
import type { RenderJob, RenderStats } from './render-job.js';
import { isWorkerMessage, type RenderRequest } from './worker-messages.js';

/** Time a stopped worker gets to close its browser before it is killed. */
export const WORKER_STOP_GRACE_MS = 3000;
/** Environment variables a worker inherits. */
const WORKER_ENV_KEYS = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'TZ', 'CWMN_FFMPEG_PATH', 'CWMN_FFPROBE_PATH'];

/** A render that did not produce its video; `reason` is readable by the host. */
export class RenderFailure extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'RenderFailure';
  }
}

export interface RenderChildOptions {
  /** The worker script (`dist/server/replay-worker.js`). */
  workerPath: string;
  /** For log lines: the replay's id. */
  id: string;
  job: RenderJob;
  limitMs: number;
  log: LogFn;
  onProgress?: (done: number, total: number) => void;
  /** Aborting stops the worker; the promise then rejects with `RenderFailure('stopped')`. */
  signal?: AbortSignal;
  /** Time a stopped worker gets before SIGKILL (default `WORKER_STOP_GRACE_MS`). */
  stopGraceMs?: number;
}

/** Renders one job in a forked worker: resolves with its figures, rejects with a `RenderFailure`. */
export function renderInChild(options: RenderChildOptions): Promise<RenderStats> {
  const { id, workerPath, log } = options;
  if (!fs.existsSync(workerPath)) {
    return Promise.reject(new RenderFailure('The renderer is not built on this server (run `npm run build`)'));
  }
  const env: NodeJS.ProcessEnv = {};
  for (const key of WORKER_ENV_KEYS) if (process.env[key] !== undefined) env[key] = process.env[key];
  let child: ChildProcess;
  try {
    child = fork(workerPath, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], detached: true, env, execArgv: [], serialization: 'advanced' });
  } catch (err) {
    return Promise.reject(new RenderFailure(`The renderer could not start: ${(err as Error).message}`));
  }
  log(`replay render: worker ${child.pid} started`, { sessionId: id });
  return new Promise<RenderStats>((resolve, reject) => {
    let timedOut = false;
    let stopped = false;
    const stop = () => {
      stopped = true;
      terminate(child, options.stopGraceMs ?? WORKER_STOP_GRACE_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      terminate(child, options.stopGraceMs ?? WORKER_STOP_GRACE_MS);
    }, options.limitMs);
    options.signal?.addEventListener('abort', stop, { once: true });
    if (options.signal?.aborted) stop();

    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => { if (stderr.length < 4000) stderr += text; });
    let result: { ok: true; stats: RenderStats } | { ok: false; reason: string } | null = null;
    child.on('message', (message: unknown) => {
      if (stopped || !isWorkerMessage(message)) return;
      if (message.type === 'progress') options.onProgress?.(message.done, message.total);
      else if (message.type === 'done') result = { ok: true, stats: message.stats };
      else result = { ok: false, reason: message.message };
    });
    child.on('error', (err) => {
      result ??= { ok: false, reason: `The renderer could not start: ${err.message}` };
    });
    child.once('close', (code, signal) => { // After 'exit', once stderr is read to its end.
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', stop);
      const outcome = result as typeof result;
      if (stopped) reject(new RenderFailure('stopped'));
      else if (outcome?.ok) resolve(outcome.stats);
      else if (timedOut) reject(new RenderFailure(`Rendering took longer than its limit of ${Math.ceil(options.limitMs / 1000)} s`));
      else {
        if (stderr.trim()) log(`replay render: worker said: ${stderr.trim().split('\n').slice(0, 5).join(' | ')}`, { sessionId: id, level: 'warn' });
        reject(new RenderFailure(outcome?.reason ?? `The renderer stopped unexpectedly (${signal ?? `exit code ${code}`})`));
      }
    });
    child.send({ type: 'render', job: options.job } satisfies RenderRequest);
  });
}

/** SIGTERM, then after a grace period SIGKILL to the worker's whole process group. */
function terminate(child: ChildProcess, graceMs: number): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const kill = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }, graceMs);
  child.once('exit', () => clearTimeout(kill));
  child.kill('SIGTERM');
}
