// Replay sessions end to end on the server: a real recording (rrweb record
// and MediaRecorder in Chromium) uploaded over HTTP, rendered by the worker
// process (headless Chromium + ffmpeg), checked with ffprobe; progress,
// determinism, mail, errors, abandoning, restart, the maximum length.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayEvent, ReplayStatus } from '../../src/protocol/index.js';
import { buildReplayBundles, type ReplayBundles } from './support/replay-build.js';
import {
  download, frameHashes, meanColor, probe, ReplayHost, startReplayServer, stopReplayServers,
} from './support/replay-client.js';
import { FINAL_BLOCK_BOX, FINAL_BLOCK_RGB, makeRecording, typicalScenario, type Recording } from './support/replay-recording.js';
import { stopServers, tempDir } from './support/server.js';

let bundles: ReplayBundles;
let recording: Recording;
/** The first ~1.2 s of the recording, without audio: quick renders. */
let short: { events: ReplayEvent[]; audioChunks: Buffer[]; audioStartedAt: number };
/** The first render's video, compared with a second render of the same upload. */
let firstVideo: string;

beforeAll(async () => {
  [bundles, recording] = await Promise.all([buildReplayBundles(), makeRecording({ steps: typicalScenario(6) })]);
  const start = recording.events[0]!.timestamp;
  short = { events: recording.events.filter((e) => e.timestamp <= start + 1200), audioChunks: [], audioStartedAt: 0 };
});
afterEach(stopReplayServers);
afterAll(async () => {
  await stopServers();
  await recording?.close();
});

const isDone = (s: ReplayStatus) => s.state === 'complete' || s.state === 'error';

describe('replay rendering', () => {
  it('renders an uploaded recording to an MP4 (H.264 + AAC) with progress, ranges and the page as it ended', async () => {
    const server = await startReplayServer(bundles);
    const host = await ReplayHost.create(server, recording.siteOrigin);
    await host.upload(recording);
    // A retried batch or chunk is acknowledged, not stored twice.
    expect((await host.postJson('events', { seq: 0, events: recording.events.slice(0, 20) })).body).toEqual({ stored: false });
    expect((await host.uploadAudio(0, 0, recording.audioStartedAt, recording.audioChunks[0]!)).body).toEqual({ stored: false });

    const finished = await host.postJson('finish', { endedAt: recording.endedAt });
    expect(finished.status).toBe(200);
    expect(finished.body).toMatchObject({ state: expect.stringMatching(/^(queued|rendering)$/), progress: 0, completed: false });
    // Sent while rendering: remembered, delivered when the video is ready.
    const send = await host.postJson('send', { toEmails: 'bea@example.com, Carl@Example.com', subject: 'Our walkthrough', message: 'Have a look' });
    expect(send.status).toBe(202);
    expect(send.body).toEqual({ mail: { state: 'pending', recipients: 2 } });
    expect(server.mails).toEqual([]);

    const seen = await host.waitFor(isDone);
    const final = seen[seen.length - 1]!;
    expect(final).toMatchObject({ state: 'complete', progress: 1, completed: true, mail: { state: 'sent', recipients: 2 } });
    const progress = seen.filter((s) => s.state === 'rendering').map((s) => s.progress);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p, i) => p >= 0 && p < 1 && p >= (progress[i - 1] ?? 0))).toBe(true);
    expect(progress.some((p) => p > 0)).toBe(true);

    // The mail carries the video link, one message per recipient.
    expect(server.mails.map((m) => m.to).sort()).toEqual(['bea@example.com', 'carl@example.com']);
    expect(server.mails[0]!.subject).toBe('Our walkthrough');
    expect(server.mails[0]!.text).toContain('Have a look');
    expect(server.mails[0]!.text).toContain(final.videoUrl);
    expect(final.videoUrl).toMatch(new RegExp(`^${server.url}/replays/[A-Za-z0-9_-]{32}\\.mp4$`));

    const file = path.join(tempDir(), 'first.mp4');
    const whole = await download(final.videoUrl!, file);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/mp4');
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    const size = fs.statSync(file).size;
    const part = await fetch(final.videoUrl!, { headers: { Range: 'bytes=100-1099' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-1099/${size}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(fs.readFileSync(file).subarray(100, 1100));
    expect((await fetch(final.videoUrl!, { headers: { Range: `bytes=${size}-` } })).status).toBe(416);
    expect((await fetch(final.videoUrl!.replace(/\/replays\/.{8}/, '/replays/xxxxxxxx'))).status).toBe(404);

    const info = probe(file);
    const span = (recording.endedAt - recording.events[0]!.timestamp) / 1000;
    expect(Math.abs(info.duration - span)).toBeLessThanOrEqual(0.2);
    const video = info.streams.filter((s) => s.codec_type === 'video');
    const audio = info.streams.filter((s) => s.codec_type === 'audio');
    expect(video).toEqual([expect.objectContaining({ codec_name: 'h264', width: 800, height: 600 })]);
    expect(audio).toEqual([expect.objectContaining({ codec_name: 'aac' })]);

    // The colored block shown at the end of the recording is in the last frames, not in the first.
    const inner = { left: FINAL_BLOCK_BOX.left + 20, top: FINAL_BLOCK_BOX.top + 20, width: 60, height: 40 };
    const end = meanColor(file, info.duration - 0.1, inner);
    end.forEach((c, i) => expect(Math.abs(c - FINAL_BLOCK_RGB[i]!)).toBeLessThanOrEqual(12));
    const start = meanColor(file, 0.5, inner);
    expect(Math.abs(start[0] - FINAL_BLOCK_RGB[0]) + Math.abs(start[1] - FINAL_BLOCK_RGB[1])).toBeGreaterThan(60);

    // The renderer fetched the site's own image, never the other origin the page referenced.
    const after = recording.requestsAfter();
    expect(after.site).toContain('/logo.png');
    expect(after.foreign).toEqual([]);
    firstVideo = file;
  });

  it('renders the same recording to the same frames', async () => {
    expect(firstVideo).toBeDefined();
    const server = await startReplayServer(bundles);
    const host = await ReplayHost.create(server, recording.siteOrigin);
    await host.upload(recording, 7); // Other batch boundaries: the same recording.
    await host.postJson('finish', { endedAt: recording.endedAt });
    const final = (await host.waitFor(isDone)).pop()!;
    expect(final.state).toBe('complete');
    const second = path.join(tempDir(), 'second.mp4');
    await download(final.videoUrl!, second);
    const [a, b] = [frameHashes(firstVideo), frameHashes(second)];
    expect(a.length).toBeGreaterThan(100);
    expect(b).toEqual(a);

    // Abandoning a complete replay deletes the video and the recording.
    expect(fs.existsSync(path.join(host.dir, 'video.mp4'))).toBe(true);
    expect((await host.postJson('abandon', {})).body).toEqual({ abandoned: true });
    expect(fs.existsSync(host.dir)).toBe(false);
    expect((await fetch(final.videoUrl!)).status).toBe(404);
    expect((await host.call('status')).status).toBe(404);
  });
});

describe('replay errors and limits', () => {
  it('fails a recording without a full snapshot with a readable reason, and refuses to send it', async () => {
    const server = await startReplayServer(bundles);
    const host = await ReplayHost.create(server, recording.siteOrigin);
    const noSnapshot = recording.events.filter((e) => e.type !== 2);
    expect((await host.postJson('events', { seq: 0, events: noSnapshot })).status).toBe(200);
    await host.postJson('finish', {});
    const final = (await host.waitFor(isDone)).pop()!;
    expect(final).toMatchObject({ state: 'error', completed: false });
    expect(final.error).toMatch(/full snapshot/);
    const send = await host.postJson('send', { toEmails: 'bea@example.com' });
    expect(send.status).toBe(409);
    expect(send.body.error.code).toBe('ERR_INVALID_STATE');

    // A renderer that cannot run (no browser there) fails the replay with a reason too.
    const broken = await startReplayServer(bundles, { chromiumPath: '/nonexistent/chromium' });
    const other = await ReplayHost.create(broken, recording.siteOrigin);
    await other.upload(short);
    await other.postJson('finish', {});
    const failed = (await other.waitFor(isDone)).pop()!;
    expect(failed.state).toBe('error');
    expect(failed.error).toBe('The video could not be rendered: the headless browser failed');
    expect(broken.logs.join('\n')).toMatch(/nonexistent\/chromium/); // The details are in the server's log.
  });

  it('checks the host token, the bodies and the state of every call', async () => {
    const server = await startReplayServer(bundles);
    const host = await ReplayHost.create(server, recording.siteOrigin);
    const other = await ReplayHost.create(server, recording.siteOrigin);
    for (const [action, init] of [['status', {}], ['finish', { method: 'POST' }], ['abandon', { method: 'POST' }]] as const) {
      const res = await host.call(action, { ...init, token: other.hostToken });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('ERR_FORBIDDEN');
    }
    expect((await host.postJson('events', { seq: 0, events: [] }, { token: other.hostToken })).body.error.code).toBe('ERR_FORBIDDEN');
    expect((await host.call('status', { token: 'not a token' })).status).toBe(403);
    expect((await new ReplayHost(server, 'AAAAAAAAAAAAAAAA', host.hostToken, host.origin).call('status')).status).toBe(404);

    const bad = await host.postJson('events', { seq: 0, events: [{ type: 'x' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('ERR_INVALID_PARAMS');
    expect((await host.uploadAudio(0, -1, 1, Buffer.from('x'))).body.error.code).toBe('ERR_INVALID_PARAMS');
    const huge = await host.call('events', { method: 'POST', body: new Uint8Array(3 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('ERR_TOO_LARGE');
    const wrongMail = await host.postJson('send', { toEmails: 'bea@example.com, not-an-address' });
    expect(wrongMail.status).toBe(400);
    expect(wrongMail.body.error.code).toBe('ERR_INVALID_PARAMS');

    // CORS for the host's page on its own origin.
    const preflight = await fetch(`${server.httpUrl}/api/replays/${host.sessionId}/events`, {
      method: 'OPTIONS', headers: { Origin: host.origin, 'Access-Control-Request-Headers': 'authorization, content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(host.origin);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);

    // Abandoning while recording deletes what was uploaded and ends the session.
    await host.upload(short);
    expect(fs.readdirSync(host.dir)).toContain('events.jsonl');
    expect((await host.postJson('abandon', {})).status).toBe(200);
    expect(fs.existsSync(host.dir)).toBe(false);
    expect((await host.postJson('events', { seq: 9, events: [] })).status).toBe(404);

    // After finish, uploads are refused: the recording has ended.
    await other.postJson('finish', {});
    const late = await other.postJson('events', { seq: 0, events: [] });
    expect(late.status).toBe(410);
    expect(late.body.error.code).toBe('ERR_SESSION_ENDED');
  });

  it('renders by itself at the maximum length, and when the host goes silent', async () => {
    const server = await startReplayServer(bundles, { replayMaxSeconds: 1.5, replayLateUploadMs: 100, replayIdleMs: 60_000 });
    const capped = await ReplayHost.create(server, recording.siteOrigin);
    await capped.upload(short);
    expect((await capped.status()).state).toBe('recording');
    const final = (await capped.waitFor(isDone)).pop()!;
    expect(final.state).toBe('complete');
    const file = path.join(tempDir(), 'capped.mp4');
    await download(final.videoUrl!, file);
    expect(probe(file).duration).toBeLessThanOrEqual(1.5 + 0.04);

    const quiet = await startReplayServer(bundles, { replayIdleMs: 300 }, true);
    const silent = await ReplayHost.create(quiet, recording.siteOrigin);
    await silent.upload(short);
    const done = (await silent.waitFor(isDone)).pop()!;
    expect(done.state).toBe('complete');

    // Sent when complete, through the server's own delivery (here the development outbox): the video link first.
    const sent = await silent.postJson('send', { toEmails: 'dan@example.com', message: 'See https://shop.example/help too' });
    expect(sent).toEqual({ status: 200, body: { mail: { state: 'sent', recipients: 1 } } });
    const outbox = await (await fetch(`${quiet.httpUrl}/outbox.json`)).json() as { messages: Array<{ to: string; links: string[] }> };
    const mail = outbox.messages.find((m) => m.to === 'dan@example.com')!;
    expect(mail.links).toEqual([done.videoUrl, 'https://shop.example/help']);
  });

  it('renders queued and interrupted jobs after a restart on the same data dir', async () => {
    const dataDir = tempDir('cwmn-replay-restart-');
    const first = await startReplayServer(bundles, { dataDir });
    const a = await ReplayHost.create(first, recording.siteOrigin);
    const b = await ReplayHost.create(first, recording.siteOrigin);
    await a.upload(short);
    await b.upload(short);
    await a.postJson('finish', {});
    await b.postJson('finish', {});
    const states = [(await a.status()).state, (await b.status()).state];
    expect(states[1]).toBe('queued'); // One render at a time.
    await first.close();
    const stored = JSON.parse(fs.readFileSync(path.join(b.dir, 'replay.json'), 'utf8')) as { state: string };
    expect(stored.state).toBe('queued');

    const second = await startReplayServer(bundles, { dataDir });
    for (const host of [a, b]) {
      const again = new ReplayHost(second, host.sessionId, host.hostToken, host.origin);
      expect((await again.waitFor(isDone)).pop()!.state).toBe('complete');
    }
  });
});
