// The render queue with real worker processes: small scripts that behave like
// the render worker (report progress, finish, fail, crash, hang).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RenderJob } from '../../../signaling/replay/render-job.js';
import { LocalRenderQueue } from '../../../signaling/replay/render-queue.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cwmn-queue-'));
/** A fake worker: the job's `dir` says what it does. */
const WORKER = path.join(dir, 'worker.mjs');
fs.writeFileSync(WORKER, `
process.once('message', async ({ job }) => {
  const kind = job.dir;
  process.send({ type: 'progress', done: 0, total: 4 });
  await new Promise((r) => setTimeout(r, 50));
  if (kind === 'ok') {
    process.send({ type: 'progress', done: 2, total: 4 });
    process.send({ type: 'done', stats: { frames: 4 } }, () => process.exit(0));
  } else if (kind === 'fail') {
    process.send({ type: 'error', message: 'The recording has no full snapshot' }, () => process.exit(1));
  } else if (kind === 'crash') {
    process.exit(3);
  } else if (kind === 'env') {
    process.send({ type: 'error', message: Object.keys(process.env).sort().join(',') }, () => process.exit(1));
  } else {
    process.on('SIGTERM', () => {}); // Hangs and ignores SIGTERM: only SIGKILL ends it.
    setInterval(() => {}, 1000);
  }
});
`);

const job = (kind: string): RenderJob => ({ dir: kind, pageUrl: '', chromiumPath: '', maxDurationMs: 1000, endedAt: null, audioSegments: [], permittedOrigins: null });

const queues: LocalRenderQueue[] = [];
afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.close()));
});

function setup() {
  const events: string[] = [];
  let settle: () => void = () => {};
  let remaining = 0;
  const queue = new LocalRenderQueue({
    workerPath: WORKER,
    log: () => {},
    stopGraceMs: 200,
    onStarted: (id) => events.push(`${id} started`),
    onProgress: (id, done, total) => events.push(`${id} ${done}/${total}`),
    onDone: (id) => { events.push(`${id} done`); if (--remaining === 0) settle(); },
    onFailed: (id, reason) => { events.push(`${id} failed: ${reason}`); if (--remaining === 0) settle(); },
  });
  queues.push(queue);
  const finished = (n: number) => new Promise<void>((resolve) => { remaining = n; settle = resolve; });
  return { queue, events, finished };
}

describe('LocalRenderQueue', () => {
  it('runs one job at a time, first in first out, and reports progress and the outcome', async () => {
    const { queue, events, finished } = setup();
    const done = finished(3);
    queue.enqueue('a', job('ok'), 10_000);
    queue.enqueue('b', job('fail'), 10_000);
    queue.enqueue('c', job('crash'), 10_000);
    queue.enqueue('a', job('ok'), 10_000); // Already there: ignored.
    expect(queue.queued).toEqual(['b', 'c']);
    await done;
    expect(events).toEqual([
      'a started', 'a 0/4', 'a 2/4', 'a done',
      'b started', 'b 0/4', 'b failed: The recording has no full snapshot',
      'c started', 'c 0/4', 'c failed: The renderer stopped unexpectedly (exit code 3)',
    ]);
  });

  it('kills a worker past its time limit (SIGKILL to its group when SIGTERM is ignored)', async () => {
    const { queue, events, finished } = setup();
    const done = finished(1);
    queue.enqueue('slow', job('hang'), 300);
    await done;
    expect(events.at(-1)).toBe('slow failed: Rendering took longer than its limit of 1 s');
  });

  it('gives the worker no environment but PATH-like basics', async () => {
    process.env.CWMN_SMTP_URL = 'smtp://secret@mail.example';
    const { queue, events, finished } = setup();
    const done = finished(1);
    queue.enqueue('e', job('env'), 10_000);
    await done;
    delete process.env.CWMN_SMTP_URL;
    const keys = events.at(-1)!.replace('e failed: ', '').split(',');
    expect(keys).not.toContain('CWMN_SMTP_URL');
    expect(keys.every((k) => ['PATH', 'HOME', 'LANG', 'TMPDIR', 'TZ', 'CWMN_FFMPEG_PATH', 'CWMN_FFPROBE_PATH'].includes(k))).toBe(true);
  });

  it('cancels a waiting or running job without reporting it', async () => {
    const { queue, events, finished } = setup();
    const done = finished(1);
    queue.enqueue('x', job('hang'), 60_000);
    queue.enqueue('y', job('ok'), 60_000);
    queue.enqueue('z', job('ok'), 60_000);
    await queue.cancel('y');
    await new Promise((r) => setTimeout(r, 100));
    await queue.cancel('x');
    await done;
    expect(events.filter((e) => !e.includes('/'))).toEqual(['x started', 'z started', 'z done']);
  });
});
