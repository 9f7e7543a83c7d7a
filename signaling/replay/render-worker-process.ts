// A render worker of a deployment on Redis (`npm run worker`): takes renders
// from the shared queue one at a time (or `CWMN_RENDER_CONCURRENCY`), runs
// each in a child process of its own (render-child.ts) against the recording
// in the shared `CWMN_DATA_DIR`, and serves the render page to its browser
// itself, so it needs no server to be up. Progress and outcome go back
// through the queue; a server's cancel arrives on a channel.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { LogFn } from '../config.js';
import { Router } from '../http/router.js';
import { RENDER_PAGE_PATH } from './capture.js';
import { RenderFailure, renderInChild } from './render-child.js';
import type { RenderStats } from './render-job.js';
import { parseJobData, RENDER_CANCEL_CHANNEL, RENDER_QUEUE_NAME } from './render-jobs.js';
import { addRenderPageRoute } from './render-page-route.js';
import { REPLAYS_DIR_NAME } from './recording-files.js';

export interface RenderWorkerOptions {
  redisUrl: string;
  redisPrefix: string;
  /** The deployment's shared `CWMN_DATA_DIR`. */
  dataDir: string;
  chromiumPath: string;
  /** The child's script (`dist/server/replay-worker.js`) and the built render page (`dist/replay-render`). */
  childPath: string;
  pageDir: string;
  /** Renders at once. */
  concurrency: number;
  /** A worker that stops renewing its lock this long is taken for dead: its render goes to another worker. */
  lockMs: number;
  log: LogFn;
}

export interface RunningRenderWorker {
  /** Waits for the renders in progress, then stops. Idempotent. */
  close(): Promise<void>;
}

/** Frames between two progress reports, at most. */
const PROGRESS_EVERY_MS = 250;

export async function startRenderWorker(options: RenderWorkerOptions): Promise<RunningRenderWorker> {
  const { log, redisPrefix: prefix } = options;
  const page = await servePage(options.pageDir, log);
  const pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}${RENDER_PAGE_PATH}`;
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const subscriber = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  for (const c of [connection, subscriber]) c.on('error', (err) => log(`render worker: redis: ${err.message}`, { level: 'warn' }));

  const processor = async (job: Job, _token?: string, signal?: AbortSignal): Promise<RenderStats> => {
    const data = parseJobData(job.data);
    if (!data) {
      log('render worker: refused a job that is not a render this worker can run', { level: 'warn' });
      throw new UnrecoverableError('The render job was not understood');
    }
    let lastProgress = 0;
    try {
      return await renderInChild({
        workerPath: options.childPath, id: data.id, limitMs: data.limitMs, log, signal,
        job: {
          dir: path.join(options.dataDir, REPLAYS_DIR_NAME, data.id), pageUrl, chromiumPath: options.chromiumPath,
          maxDurationMs: data.maxDurationMs, endedAt: data.endedAt, audioSegments: data.audioSegments, permittedOrigins: data.permittedOrigins,
        },
        onProgress: (done, total) => {
          const now = Date.now();
          if (done !== 0 && done !== total && now - lastProgress < PROGRESS_EVERY_MS) return;
          lastProgress = now;
          void job.updateProgress({ done, total }).catch(() => {});
        },
      });
    } catch (err) {
      // A render that failed would fail again: no retry. A worker that dies is another matter (its lock runs out).
      throw new UnrecoverableError(err instanceof RenderFailure ? err.reason : 'The video could not be rendered: an internal error');
    }
  };
  const worker = new Worker(RENDER_QUEUE_NAME, processor, {
    connection, prefix, concurrency: options.concurrency, lockDuration: options.lockMs, stalledInterval: options.lockMs, maxStalledCount: 2,
  });
  worker.on('error', (err) => log(`render worker: ${err.message}`, { level: 'warn' }));
  worker.on('active', (job) => log('render worker: rendering', { sessionId: String(job.id) }));
  worker.on('completed', (job) => log('render worker: rendered', { sessionId: String(job.id) }));
  worker.on('failed', (job, err) => log(`render worker: failed: ${err.message}`, { sessionId: String(job?.id ?? ''), level: 'warn' }));
  const cancelChannel = `${prefix}:${RENDER_CANCEL_CHANNEL}`;
  subscriber.on('message', (channel, id) => {
    if (channel === cancelChannel && worker.cancelJob(id, 'cancelled')) log('render worker: render stopped', { sessionId: id });
  });
  await subscriber.subscribe(cancelChannel);
  await worker.waitUntilReady();
  log(`render worker: taking renders from ${prefix}:${RENDER_QUEUE_NAME} (${options.concurrency} at a time)`);

  let closing: Promise<void> | null = null;
  return {
    close: () => (closing ??= (async () => {
      await worker.close();
      subscriber.disconnect();
      connection.disconnect();
      await new Promise((resolve) => page.close(resolve));
      log('render worker: stopped');
    })()),
  };
}

/** The render page on a loopback port of its own. */
async function servePage(pageDir: string, log: LogFn): Promise<Server> {
  const router = new Router(log);
  addRenderPageRoute(router, pageDir);
  const server = createServer((req, res) => void router.handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return server;
}
