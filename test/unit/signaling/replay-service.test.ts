// Two servers' replay services on one store (one process's, and Redis) and
// one data dir, with a render queue that reports every job's events to every
// server, as the one in Redis does: a recording's uploads land on either
// server, neither takes the other's uploads for silence, a replay moves once
// whoever hears of it, its mail goes once, and either serves its status and video.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ReplayEvent, ReplayStatus } from '../../../src/protocol/index.js';
import type { MailMessage } from '../../../signaling/replay/mailer.js';
import type { RenderJob, RenderStats } from '../../../signaling/replay/render-job.js';
import type { RenderQueue, RenderQueueEvents } from '../../../signaling/replay/render-queue.js';
import { ReplayService } from '../../../signaling/replay/replay-service.js';
import { hashToken, randomId, randomToken } from '../../../signaling/tokens.js';
import { stopTwoServerRedis, twoServerStores } from './support/two-servers.js';

/** No upload for this long ends a recording. */
const IDLE_MS = 300;
const STATS: RenderStats = { durationMs: 1000, frames: 25, screenshots: 3, width: 800, height: 600, audioSegments: 0, refused: 0, renderMs: 40 };

afterAll(stopTwoServerRedis);

const STORES = twoServerStores('replays');

/** The render queue of a deployment: one job per replay, every server hears every job's events. */
class SharedQueue {
  readonly jobs = new Map<string, RenderJob>();
  /** Times a render was queued (a replay's job is kept once). */
  enqueued = 0;
  private readonly servers: RenderQueueEvents[] = [];

  forServer(events: RenderQueueEvents): RenderQueue {
    this.servers.push(events);
    return {
      enqueue: (id, job) => {
        this.enqueued++;
        if (!this.jobs.has(id)) this.jobs.set(id, job);
      },
      cancel: async (id) => { this.jobs.delete(id); },
      counts: () => ({ waiting: this.jobs.size, running: 0 }),
      close: async () => {},
    };
  }

  /** A worker takes the job: every server hears it start and make progress. */
  start(id: string): void {
    for (const s of this.servers) s.onStarted(id);
    for (const s of this.servers) s.onProgress(id, 1, 4);
  }

  /** The worker finishes it: every server hears it. */
  done(id: string): void {
    this.jobs.delete(id);
    for (const s of this.servers) s.onDone(id, STATS);
  }
}

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`still waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const batch = (n: number): ReplayEvent[] => [{ type: 3, data: { n }, timestamp: 1_000 + n } as unknown as ReplayEvent];

describe.each(STORES)('replays on two servers: $name', ({ open }) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  async function twoServers() {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cwmn-replays-'));
    const stores = await open();
    const queue = new SharedQueue();
    const mails: MailMessage[] = [];
    const ended: string[] = [];
    const logs: string[] = [];
    const services = stores.map((store) => new ReplayService({
      dataDir, store: store.replays, publicUrl: 'https://co.example', renderPageUrl: 'http://127.0.0.1:1/replay-render/', chromiumPath: '',
      renderQueue: (events) => queue.forServer(events), permittedOrigins: null, maxSeconds: 600, videoTtlMs: 60_000,
      idleMs: IDLE_MS, lateUploadMs: 100, mailer: { send: async (m) => { mails.push(m); } },
      endSession: (id) => ended.push(id), log: (line) => logs.push(line),
    })) as [ReplayService, ReplayService];
    cleanups.push(async () => {
      await Promise.all(services.map((s) => s.close()));
      await Promise.all([...new Set(stores)].map((s) => s.close()));
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    const hostToken = randomToken();
    const id = randomId();
    await services[0].open({ id, hostTokenHash: hashToken(hostToken), hostName: 'Ada', startedAt: Date.now(), expiresAt: Date.now() + 600_000 });
    return { a: services[0], b: services[1], store: stores[0], queue, mails, ended, logs, id, hostToken, dataDir };
  }

  it('takes a recording\'s uploads on either server, each batch once, and ends it once when both have had none for the idle time', async () => {
    const { a, b, queue, ended, id, hostToken, dataDir } = await twoServers();
    // The recording was opened on A; every upload goes to B, for twice the idle time: A does not take that for silence.
    const started = Date.now();
    for (let seq = 0; Date.now() - started < 2 * IDLE_MS; seq++) {
      expect(await b.uploadEvents(id, hostToken, { seq, events: batch(seq) })).toBe(true);
      await new Promise((r) => setTimeout(r, IDLE_MS / 4));
    }
    expect((await a.status(id, hostToken)).state).toBe('recording');
    // Retries land anywhere: a batch is stored once.
    expect(await a.uploadEvents(id, hostToken, { seq: 0, events: batch(0) })).toBe(false);
    expect(await a.uploadAudio(id, hostToken, { segment: 0, chunk: 0, startedAt: 1 }, Buffer.from('webm'))).toBe(true);
    expect(await b.uploadAudio(id, hostToken, { segment: 0, chunk: 0, startedAt: 1 }, Buffer.from('webm'))).toBe(false);

    const finished = await until('the recording to end', () => b.status(id, hostToken), (s) => s.state !== 'recording', 4 * IDLE_MS);
    expect(finished.state).toBe('queued');
    await new Promise((r) => setTimeout(r, 2 * IDLE_MS)); // Both servers' timers have fired by now.
    expect(ended).toEqual([id]);
    expect(queue.enqueued).toBe(1);
    expect(queue.jobs.get(id)).toMatchObject({ dir: path.join(dataDir, 'replays', id), audioSegments: [{ segment: 0, startedAt: 1 }] });
    const lines = fs.readFileSync(path.join(dataDir, 'replays', id, 'events.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([...lines.keys()]);
    expect(await a.uploadEvents(id, hostToken, { seq: 99, events: [] }).catch((e: unknown) => e)).toMatchObject({ code: 'ERR_SESSION_ENDED' });
  });

  it('notes a render once whichever servers hear of it, mails the video once, and serves status and video on either', async () => {
    const { a, b, queue, mails, logs, id, hostToken } = await twoServers();
    await a.uploadEvents(id, hostToken, { seq: 0, events: batch(0) });
    await b.finish(id, hostToken, null);
    expect((await a.send(id, hostToken, { toEmails: 'bea@example.com' })).state).toBe('pending');
    queue.start(id);
    const rendering = await until('the render to start', () => a.status(id, hostToken), (s) => s.state === 'rendering');
    expect(rendering.progress).toBe(0.25);
    expect((await b.status(id, hostToken)).progress).toBe(0.25); // B heard the progress too.
    queue.done(id);
    const complete: ReplayStatus = await until('the video', () => b.status(id, hostToken), (s) => s.state === 'complete' && s.mail?.state === 'sent');
    expect(complete).toMatchObject({ progress: 1, completed: true, mail: { state: 'sent', recipients: 1 } });
    expect(mails.map((m) => m.to)).toEqual(['bea@example.com']);
    expect(mails[0]?.text).toContain(complete.videoUrl);
    expect(logs.filter((l) => l.endsWith('rendering -> complete'))).toHaveLength(1);
    const token = /\/replays\/(.+)\.mp4$/.exec(complete.videoUrl!)![1]!;
    expect(await a.videoFile(token)).toBe(await b.videoFile(token));
    expect(await a.videoFile(token)).toMatch(new RegExp(`${id}/video\\.mp4$`));

    // Abandoned on one server: gone on the other, video and all.
    await b.abandon(id, hostToken);
    expect(await a.videoFile(token)).toBeNull();
    expect(await a.status(id, hostToken).catch((e: unknown) => e)).toMatchObject({ code: 'ERR_NOT_FOUND' });
  });
});
