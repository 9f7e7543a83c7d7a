// Makes real replay recordings for tests and the bench: a small site served
// from its own origin, recorded by rrweb's `record` in headless Chromium while
// a script types, scrolls and changes the page, with the fake microphone
// recorded by MediaRecorder in 1 s timeslices (as the host's recorder does).

import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import type { ReplayEvent } from '../../../src/protocol/index.js';

/** Chromium flags of the recording browser (as test/e2e/harness.ts, with the fake microphone). */
export const RECORDING_CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-sync',
  '--disable-background-networking', '--disable-component-update',
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
];

/** The color of the block the page shows at the end (checked in the last frames). */
export const FINAL_BLOCK_RGB: [number, number, number] = [230, 20, 160];
/** Where that block is, in page pixels: left, top, width, height. */
export const FINAL_BLOCK_BOX = { left: 40, top: 40, width: 160, height: 120 };

/** A recording as the host would have uploaded it. */
export interface Recording {
  events: ReplayEvent[];
  /** MediaRecorder chunks of one segment (chunk 0 has the WebM header); empty without audio. */
  audioChunks: Buffer[];
  /** Epoch ms when the MediaRecorder started. */
  audioStartedAt: number;
  /** Epoch ms when recording stopped. */
  endedAt: number;
  /** Origin of the recorded site. */
  siteOrigin: string;
  /** A URL on another origin the page referenced: the renderer must never fetch it. */
  foreignUrl: string;
  /** Requests the site and the foreign server received after recording (the renderer's). */
  requestsAfter(): { site: string[]; foreign: string[] };
  /** Stops the site servers. */
  close(): Promise<void>;
}

/** A step of the recorded scenario, run against the page. */
export type ScenarioStep = (page: Page) => Promise<void>;

const SITE_PAGE = (foreignUrl: string) => `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title>
<style>
  body { margin: 0; font: 16px/1.4 sans-serif; background: #f8fafc; color: #0f172a; }
  header { height: 60px; background: #1e3a8a; color: #fff; display: flex; align-items: center; padding: 0 20px; }
  #final { position: fixed; left: ${FINAL_BLOCK_BOX.left}px; top: ${FINAL_BLOCK_BOX.top}px; width: ${FINAL_BLOCK_BOX.width}px;
    height: ${FINAL_BLOCK_BOX.height}px; background: rgb(${FINAL_BLOCK_RGB.join(',')}); display: none; }
  .item { margin: 8px 20px; padding: 10px; background: #e2e8f0; border-radius: 6px; }
  .tall { height: 1500px; background: linear-gradient(#fef3c7, #bae6fd); }
</style></head><body>
<header><img src="/logo.png" width="32" height="32" alt=""> <span id="title">Welcome</span></header>
<img src="${foreignUrl}" width="1" height="1" alt="">
<p style="margin: 20px"><label>Search <input id="q" type="text"></label></p>
<div id="list"></div><div class="tall"></div><div id="final"></div>
</body></html>`;

// A 1×1 blue PNG.
const LOGO_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkaPhfDwAEhAGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    resolve(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  }));
}

/** A scenario of about `seconds` seconds: typing, list items, title changes, scrolling, pointer moves, idle stretches; the colored block last. */
export function typicalScenario(seconds: number): ScenarioStep[] {
  const steps: ScenarioStep[] = [];
  const rounds = Math.max(1, Math.round(seconds / 6));
  const roundMs = (seconds * 1000 - 600) / rounds;
  let roundStart = 0;
  for (let r = 0; r < rounds; r += 1) {
    steps.push(async (page) => {
      roundStart = Date.now();
      await page.mouse.move(100 + r * 10, 100);
      await page.mouse.move(300, 200, { steps: 10 });
    });
    steps.push(async (page) => {
      await page.click('#q');
      await page.keyboard.type(`red shoes ${r}`, { delay: 60 });
    });
    steps.push((page) => page.evaluate((n) => {
      const list = document.getElementById('list')!;
      for (let i = 0; i < 3; i += 1) {
        const div = document.createElement('div');
        div.className = 'item';
        div.textContent = `Result ${n}.${i}`;
        list.appendChild(div);
      }
      document.getElementById('title')!.textContent = `Results for round ${n}`;
    }, r));
    steps.push((page) => page.waitForTimeout(800)); // Idle.
    steps.push(async (page) => {
      await page.mouse.wheel(0, 300);
      await page.waitForTimeout(400);
      await page.mouse.wheel(0, -300);
    });
    steps.push((page) => page.waitForTimeout(Math.max(0, roundStart + roundMs - Date.now()))); // Idle until the round's end.
  }
  steps.push((page) => page.evaluate(() => { document.getElementById('final')!.style.display = 'block'; }));
  steps.push((page) => page.waitForTimeout(600));
  return steps;
}

/** A worst case of about `seconds` seconds: the pointer never stops moving, so every frame needs a screenshot. */
export function busyScenario(seconds: number): ScenarioStep[] {
  return [async (page) => {
    const end = Date.now() + seconds * 1000;
    for (let i = 0; Date.now() < end; i += 1) await page.mouse.move(100 + (i * 7) % 600, 100 + (i * 5) % 400);
  }];
}

/** Records `steps` on the test site in a real Chromium, with audio unless `audio` is false. */
export async function makeRecording(options: { steps: ScenarioStep[]; audio?: boolean; viewport?: { width: number; height: number } }): Promise<Recording> {
  const siteHits: string[] = [];
  const foreignHits: string[] = [];
  let recordingDone = false;
  const foreign = createServer((req, res) => {
    if (recordingDone) foreignHits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'image/png' }).end(LOGO_PNG);
  });
  const foreignOrigin = await listen(foreign);
  const foreignUrl = `${foreignOrigin}/secret.png`;
  const site = createServer((req, res) => {
    if (recordingDone) siteHits.push(req.url ?? '');
    if (req.url === '/logo.png') res.writeHead(200, { 'content-type': 'image/png' }).end(LOGO_PNG);
    else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(SITE_PAGE(foreignUrl));
  });
  const siteOrigin = await listen(site);
  const close = async () => {
    await Promise.all([site, foreign].map((s) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); })));
  };

  const browser = await chromium.launch({ executablePath: process.env.CWMN_CHROMIUM_PATH ?? '/usr/bin/chromium', args: RECORDING_CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: options.viewport ?? { width: 800, height: 600 } });
    await page.goto(`${siteOrigin}/`);
    // The UMD build (global `rrweb`) sits beside the entry the package exports.
    const rrwebPath = path.join(path.dirname(createRequire(import.meta.url).resolve('rrweb')), 'rrweb.umd.cjs');
    await page.addScriptTag({ path: rrwebPath });
    await page.evaluate(async (withAudio) => {
      const w = window as unknown as Record<string, any>;
      w.__events = [];
      w.__audio = [];
      if (withAudio) {
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        const recorder = new MediaRecorder(stream, { mimeType: 'audio/webm;codecs=opus' });
        recorder.ondataavailable = async (e) => {
          const bytes = new Uint8Array(await e.data.arrayBuffer());
          let text = '';
          for (const b of bytes) text += String.fromCharCode(b);
          w.__audio.push(btoa(text));
        };
        w.__recorder = recorder;
        w.__audioStartedAt = Date.now();
        recorder.start(1000);
      }
      w.__stop = w.rrweb.record({
        emit: (e: unknown) => w.__events.push(e),
        sampling: { mousemove: 16, mousemoveCallback: 16, scroll: 16 },
      });
    }, options.audio !== false);
    for (const step of options.steps) await step(page);
    const result = await page.evaluate(async () => {
      const w = window as unknown as Record<string, any>;
      w.__stop();
      const endedAt = Date.now();
      if (w.__recorder) {
        const stopped = new Promise((r) => { w.__recorder.onstop = r; });
        w.__recorder.stop();
        await stopped;
        await new Promise((r) => setTimeout(r, 50)); // The last ondataavailable reads its blob asynchronously.
      }
      return { events: w.__events, audio: w.__audio as string[], audioStartedAt: (w.__audioStartedAt ?? 0) as number, endedAt };
    });
    recordingDone = true;
    return {
      events: result.events as ReplayEvent[],
      audioChunks: result.audio.map((b64) => Buffer.from(b64, 'base64')),
      audioStartedAt: result.audioStartedAt,
      endedAt: result.endedAt,
      siteOrigin,
      foreignUrl,
      requestsAfter: () => ({ site: [...siteHits], foreign: [...foreignHits] }),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  } finally {
    await browser.close();
  }
}
