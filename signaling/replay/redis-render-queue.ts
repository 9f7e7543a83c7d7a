// Renders wait in a BullMQ queue in Redis, and `npm run worker` processes take
// them (render-worker-process.ts). Every server hears every job's events and
// reports those of the replays it holds. A worker that dies mid-render loses
// its job's lock; BullMQ gives the job to another worker.

import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { LogFn } from '../config.js';
import type { RenderJob, RenderStats } from './render-job.js';
import { RENDER_CANCEL_CHANNEL, RENDER_QUEUE_NAME, toJobData, type RenderJobData } from './render-jobs.js';
import type { RenderCounts, RenderQueue, RenderQueueEvents } from './render-queue.js';

export interface RedisRenderQueueOptions {
  redisUrl: string;
  /** Key prefix of the deployment (every server and worker of it uses the same). */
  prefix: string;
  events: RenderQueueEvents;
  log: LogFn;
  /** Hears how long each finished render took, by the worker's own figure (for the metrics). */
  observe?: (seconds: number, outcome: 'done') => void;
}

/** Failed and finished jobs are kept this long for inspection, then dropped (seconds). */
const KEEP_JOBS_SECONDS = 24 * 3600;

export class RedisRenderQueue implements RenderQueue {
  private readonly queue: Queue<RenderJobData, RenderStats>;
  private readonly queueEvents: QueueEvents;
  private readonly publisher: Redis;
  /** Connections we made (BullMQ leaves connections it was given open). */
  private readonly connections: Redis[];
  private closing: Promise<void> | null = null;

  constructor(private readonly options: RedisRenderQueueOptions) {
    const { redisUrl, prefix, events, log } = options;
    const warn = (err: Error) => log(`render queue: ${err.message}`, { level: 'warn' });
    // BullMQ's blocking reads need connections that retry forever (`maxRetriesPerRequest: null`).
    const [forQueue, forEvents] = [0, 1].map(() => new Redis(redisUrl, { maxRetriesPerRequest: null }));
    this.queue = new Queue(RENDER_QUEUE_NAME, { connection: forQueue!, prefix });
    this.queueEvents = new QueueEvents(RENDER_QUEUE_NAME, { connection: forEvents!, prefix });
    this.publisher = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
    this.connections = [forQueue!, forEvents!, this.publisher];
    for (const c of this.connections) c.on('error', warn);
    this.queue.on('error', warn);
    this.queueEvents.on('error', warn);
    this.queueEvents.on('active', ({ jobId }) => events.onStarted(jobId));
    this.queueEvents.on('progress', ({ jobId, data }) => {
      const p = data as { done?: unknown; total?: unknown };
      if (typeof p?.done === 'number' && typeof p.total === 'number') events.onProgress(jobId, p.done, p.total);
    });
    this.queueEvents.on('completed', ({ jobId, returnvalue }) => {
      const stats = returnvalue as unknown as RenderStats;
      if (typeof stats?.renderMs === 'number') options.observe?.(stats.renderMs / 1000, 'done');
      events.onDone(jobId, stats);
    });
    this.queueEvents.on('failed', ({ jobId, failedReason }) => events.onFailed(jobId, failedReason));
  }

  enqueue(id: string, job: RenderJob, limitMs: number): void {
    // The job id is the replay's: a replay queued again (after a restart) is not queued twice.
    this.queue.add('render', toJobData(id, job, limitMs), {
      jobId: id, attempts: 1, removeOnComplete: { age: KEEP_JOBS_SECONDS }, removeOnFail: { age: KEEP_JOBS_SECONDS },
    }).catch((err: Error) => {
      this.options.log(`render queue: could not queue a render: ${err.message}`, { sessionId: id, level: 'error' });
      this.options.events.onFailed(id, 'The render could not be queued');
    });
  }

  async cancel(id: string): Promise<void> {
    const job = await this.queue.getJob(id);
    if (!job) return;
    if (await job.isActive()) {
      if (this.publisher.status === 'wait') await this.publisher.connect();
      await this.publisher.publish(`${this.options.prefix}:${RENDER_CANCEL_CHANNEL}`, id);
    } else {
      await job.remove().catch(() => {}); // Taken by a worker meanwhile: the cancel above did not reach it, the record is gone anyway.
    }
  }

  async counts(): Promise<RenderCounts> {
    const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return { waiting: (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0), running: counts.active ?? 0 };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([this.queueEvents.close(), this.queue.close()]);
      for (const c of this.connections) c.disconnect();
    })();
    return this.closing;
  }
}
