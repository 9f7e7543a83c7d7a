// Entry of the render worker process (bundled to dist/server/replay-worker.js,
// forked by the server's render queue): takes one job over IPC, renders it,
// reports progress, and exits. SIGTERM or a lost parent stops it cleanly.

import { BadRecordingError } from './timeline.js';
import { renderRecording } from './render-job.js';
import type { RenderRequest, WorkerMessage } from './worker-messages.js';

const abort = new AbortController();

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

/**
 * A reason fit for the host: our own words for a bad recording; otherwise which
 * part failed, without paths or internals (those go to the server's log).
 */
function reasonOf(err: unknown): string {
  if (err instanceof BadRecordingError) return err.message;
  const text = err instanceof Error ? err.message : String(err);
  console.error(`render failed: ${err instanceof Error ? err.stack ?? text : text}`);
  const part = /^ffmpeg|^ffprobe/.test(text) ? 'the video encoder failed'
    : /browserType|browser|page\.|Target .*closed|render page/i.test(text) ? 'the headless browser failed'
      : /stopped/.test(text) ? 'it was stopped' : 'an internal error';
  return `The video could not be rendered: ${part}`;
}

process.on('SIGTERM', () => abort.abort());
process.on('disconnect', () => {
  abort.abort();
  setTimeout(() => process.exit(1), 2000).unref();
});

process.once('message', (message: RenderRequest) => {
  let lastSent = 0;
  const onProgress = (done: number, total: number) => {
    const now = Date.now();
    if (done !== 0 && done !== total && now - lastSent < 200) return;
    lastSent = now;
    void send({ type: 'progress', done, total });
  };
  renderRecording(message.job, onProgress, abort.signal).then(
    async (stats) => {
      await send({ type: 'done', stats });
      process.exit(0);
    },
    async (err: unknown) => {
      await send({ type: 'error', message: reasonOf(err) });
      process.exit(1);
    },
  );
});
