// Replay rendering speed: a real recording (rrweb record + fake microphone in
// headless Chromium; typing, scrolling, DOM changes and idle stretches) is
// uploaded to a real server and rendered by its worker process. Reports render
// wall time ÷ recording length (target ≤ 0.5; a real-time screencast is ≥ 1.0)
// and frames rendered per second. Needs `node esbuild.mjs` first (it uses the
// built worker and render page in dist/).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CreateSessionResponse, ReplayStatus } from '../src/protocol/index.js';
import { loadConfig } from '../signaling/config.js';
import { findRootDir } from '../signaling/root-dir.js';
import { startServer } from '../signaling/server.js';
import { busyScenario, makeRecording, typicalScenario } from '../test/integration/support/replay-recording.js';

/** What `benchReplayRender` measured. */
export interface ReplayRenderFigures {
  /** Length of the recording (first event to the end of recording), in seconds. */
  recordingSeconds: number;
  /** Wall time of the render in the worker (Chromium start, frames, encoding), in seconds. */
  renderSeconds: number;
  /** renderSeconds ÷ recordingSeconds. */
  ratio: number;
  /** Video frames produced per second of render time. */
  framesPerSecond: number;
  /** Frames that needed a screenshot, of all frames. */
  screenshots: number;
  frames: number;
}

/** The checkout (holds dist/), found from this file whether it runs from source or bundled. */
const ROOT = findRootDir(path.dirname(fileURLToPath(import.meta.url)));

/**
 * Records `seconds` (default 60) of activity, renders it on a fresh server, and
 * measures the render. `typical` (default): typing, scrolling, DOM changes, idle
 * stretches; `busy`: the pointer never stops, so every frame is a screenshot.
 */
export async function benchReplayRender(options: { seconds?: number; scenario?: 'typical' | 'busy' } = {}): Promise<ReplayRenderFigures> {
  const seconds = options.seconds ?? 60;
  const steps = options.scenario === 'busy' ? busyScenario(seconds) : typicalScenario(seconds);
  const recording = await makeRecording({ steps });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cwmn-bench-replay-'));
  const logs: string[] = [];
  const server = await startServer({
    ...loadConfig({ PORT: '0', HOST: '127.0.0.1', CWMN_DATA_DIR: dataDir }, ROOT),
    log: (line) => logs.push(line),
  });
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const created = await (await fetch(`${base}/api/sessions`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Origin: recording.siteOrigin },
      body: JSON.stringify({ hostName: 'Bench', hostEmail: '', isReplay: true }),
    })).json() as CreateSessionResponse;
    const api = (action: string, init: RequestInit = {}) => fetch(`${base}/api/replays/${created.session.sessionId}/${action}`, {
      ...init, headers: { Authorization: `Bearer ${created.hostToken}`, ...(init.headers as Record<string, string> | undefined) },
    });
    const batch = 50;
    for (let i = 0, seq = 0; i < recording.events.length; i += batch, seq += 1) {
      await api('events', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ seq, events: recording.events.slice(i, i + batch) }) });
    }
    for (const [chunk, bytes] of recording.audioChunks.entries()) {
      await api(`audio?segment=0&chunk=${chunk}&startedAt=${recording.audioStartedAt}`, { method: 'POST', body: new Uint8Array(bytes) });
    }
    await api('finish', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ endedAt: recording.endedAt }) });
    for (;;) {
      const status = await (await api('status')).json() as ReplayStatus;
      if (status.state === 'complete') break;
      if (status.state === 'error') throw new Error(`render failed: ${status.error}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // The server logs the worker's own figures: "replay <id>: <frames> frames (<n> screenshots) in <ms> ms".
    const line = logs.find((l) => / frames \(\d+ screenshots\) in \d+ ms/.test(l));
    const m = line && / (\d+) frames \((\d+) screenshots\) in (\d+) ms/.exec(line);
    if (!m) throw new Error('the server did not log the render figures');
    const [frames, screenshots, renderMs] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const recordingSeconds = (recording.endedAt - recording.events[0]!.timestamp) / 1000;
    const renderSeconds = renderMs / 1000;
    return { recordingSeconds, renderSeconds, ratio: renderSeconds / recordingSeconds, framesPerSecond: frames / renderSeconds, screenshots, frames };
  } finally {
    await server.close();
    await recording.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
