// Renders on separate worker processes (`npm run worker`) that take them from
// a real redis-server: the server queues and does not render itself; a worker
// renders into the shared data directory and the server serves the video; a
// worker killed mid-render loses its job to another worker; two servers on one
// Redis and one data directory take a recording's uploads alternately, and
// either serves its status and its video.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayEvent, ReplayStatus } from '../../src/protocol/index.js';
import { startRedis, type TestRedis } from './support/redis.js';
import { buildReplayBundles, type ReplayBundles } from './support/replay-build.js';
import { download, probe, ReplayHost, startReplayServer, stopReplayServers, type ReplayServer } from './support/replay-client.js';
import { makeRecording, typicalScenario, type Recording } from './support/replay-recording.js';
import { stopServers, tempDir } from './support/server.js';

let bundles: ReplayBundles;
let recording: Recording;
let redis: TestRedis;
let short: { events: ReplayEvent[]; audioChunks: Buffer[]; audioStartedAt: number };
const workers: ChildProcess[] = [];
let prefixes = 0;

beforeAll(async () => {
  [bundles, recording, redis] = await Promise.all([buildReplayBundles(), makeRecording({ steps: typicalScenario(6) }), startRedis()]);
  const start = recording.events[0]!.timestamp;
  short = { events: recording.events.filter((e) => e.timestamp <= start + 1200), audioChunks: [], audioStartedAt: 0 };
});
afterEach(async () => {
  for (const w of workers.splice(0)) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await stopReplayServers();
});
afterAll(async () => {
  await stopServers();
  await recording?.close();
  await redis?.stop();
});

const isDone = (s: ReplayStatus) => s.state === 'complete' || s.state === 'error';

/** A server on Redis with a key prefix of its own (tests never see each other's jobs). */
async function serverOnRedis(): Promise<{ server: ReplayServer; prefix: string }> {
  const prefix = `render-test-${process.pid}-${++prefixes}`;
  return { server: await startReplayServer(bundles, { redisUrl: redis.url, redisPrefix: prefix }), prefix };
}

/** Another server of `server`'s deployment: the same Redis, prefix and data directory. */
function secondServer(server: ReplayServer, prefix: string): Promise<ReplayServer> {
  return startReplayServer(bundles, { redisUrl: redis.url, redisPrefix: prefix, dataDir: server.dataDir });
}

/** Starts `npm run worker`'s entry on `server`'s Redis and data dir; resolves once it takes renders. */
async function startWorker(server: ReplayServer, prefix: string): Promise<{ child: ChildProcess; lines: string[] }> {
  const lines: string[] = [];
  const child = spawn(process.execPath, [bundles.renderWorkerMain], {
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME, CWMN_ROOT: bundles.root, CWMN_REDIS_URL: redis.url, CWMN_REDIS_PREFIX: prefix,
      CWMN_DATA_DIR: server.dataDir, CWMN_RENDER_LOCK_SECONDS: '2',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  workers.push(child);
  child.stdout!.setEncoding('utf8').on('data', (t: string) => lines.push(...t.trim().split('\n')));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => lines.push(...t.trim().split('\n')));
  const deadline = Date.now() + 15_000;
  while (!lines.some((l) => l.includes('taking renders'))) {
    if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode}):\n${lines.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`the worker did not start:\n${lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, lines };
}

describe('render workers on Redis', () => {
  it('the server queues renders for the workers; one renders into the shared data directory and the server serves the video', async () => {
    const { server, prefix } = await serverOnRedis();
    const host = await ReplayHost.create(server, recording.siteOrigin);
    await host.upload(short);
    expect((await host.postJson('finish', { endedAt: short.events.at(-1)!.timestamp })).status).toBe(200);
    // No worker yet: the render waits (the server does not render itself).
    await new Promise((r) => setTimeout(r, 1500));
    expect(await host.status()).toMatchObject({ state: 'queued' });

    const worker = await startWorker(server, prefix);
    const seen = await host.waitFor(isDone, 60_000);
    const final = seen.at(-1)!;
    expect(final, worker.lines.join('\n')).toMatchObject({ state: 'complete', completed: true });
    expect(seen.some((s) => s.state === 'rendering')).toBe(true);
    const file = path.join(tempDir('cwmn-render-'), 'video.mp4');
    expect((await download(final.videoUrl!, file)).status).toBe(200);
    expect(probe(file).streams.map((s) => s.codec_type)).toContain('video');
    // Its log lines name the replay by id only.
    const rendered = worker.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'render worker: rendered');
    expect(rendered).toMatchObject({ sessionId: host.sessionId, level: 'info' });
  }, 120_000);

  it('a worker killed mid-render loses the render to another worker, which finishes it', async () => {
    const { server, prefix } = await serverOnRedis();
    const host = await ReplayHost.create(server, recording.siteOrigin);
    await host.upload(recording);
    const first = await startWorker(server, prefix);
    expect((await host.postJson('finish', { endedAt: recording.endedAt })).status).toBe(200);
    await host.waitFor((s) => s.state === 'rendering' || isDone(s), 60_000);
    first.child.kill('SIGKILL');
    const second = await startWorker(server, prefix);
    const final = (await host.waitFor(isDone, 90_000)).at(-1)!;
    expect(final, second.lines.join('\n')).toMatchObject({ state: 'complete', completed: true });
    expect(second.lines.some((l) => l.includes('render worker: rendered'))).toBe(true);
    const file = path.join(tempDir('cwmn-render-'), 'video.mp4');
    await download(final.videoUrl!, file);
    expect(probe(file).duration).toBeGreaterThan(4);
  }, 180_000);
  it('two servers on one Redis and one data directory take a recording\'s uploads alternately; either serves its status and its video', async () => {
    const { server: a, prefix } = await serverOnRedis();
    const b = await secondServer(a, prefix);
    const onA = await ReplayHost.create(a, recording.siteOrigin);
    const onB = new ReplayHost(b, onA.sessionId, onA.hostToken, onA.origin);
    const hosts = [onA, onB];
    for (let i = 0, seq = 0; i < short.events.length; i += 10, seq++) {
      const upload = await hosts[seq % 2]!.postJson('events', { seq, events: short.events.slice(i, i + 10) });
      expect(upload, `batch ${seq}`).toEqual({ status: 200, body: { stored: true } });
    }
    // A retry on the other server is known there.
    expect((await onB.postJson('events', { seq: 0, events: short.events.slice(0, 10) })).body).toEqual({ stored: false });
    expect((await onB.postJson('finish', { endedAt: short.events.at(-1)!.timestamp })).status).toBe(200);
    expect((await onA.postJson('send', { toEmails: 'bea@example.com' })).status).toBe(202);

    const worker = await startWorker(a, prefix);
    const final = (await onA.waitFor(isDone, 60_000)).at(-1)!;
    expect(final, worker.lines.join('\n')).toMatchObject({ state: 'complete', completed: true });
    const other = await onB.waitFor((s) => s.mail?.state === 'sent');
    expect(other.at(-1)).toMatchObject({ state: 'complete', videoUrl: final.videoUrl?.replace(a.url, b.url), mail: { state: 'sent', recipients: 1 } });
    expect([...a.mails, ...b.mails].map((m) => m.to)).toEqual(['bea@example.com']); // Sent once, by one of them.
    for (const server of [a, b]) {
      const file = path.join(tempDir('cwmn-render-'), 'video.mp4');
      expect((await download(final.videoUrl!.replace(a.url, server.url), file)).status).toBe(200);
      expect(probe(file).streams.map((s) => s.codec_type)).toContain('video');
    }
    // The whole recording is in the render: every batch, from both servers, once.
    const stored = fs.readFileSync(path.join(onA.dir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq);
    expect(stored.sort((x, y) => x - y)).toEqual([...stored.keys()]);
  }, 120_000);
});
