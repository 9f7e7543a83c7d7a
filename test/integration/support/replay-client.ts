// A test's host side of the replay API: a started server with a mail box,
// replay sessions, uploads, status polling, and looking at the MP4 with
// ffprobe/ffmpeg.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { CreateSessionResponse, ReplayStatus } from '../../../src/protocol/index.js';
import { loadConfig, type ServerConfig } from '../../../signaling/config.js';
import type { MailMessage, Mailer } from '../../../signaling/replay/mailer.js';
import { startServer, type RunningServer } from '../../../signaling/server.js';
import type { ReplayBundles } from './replay-build.js';
import type { Recording } from './replay-recording.js';
import { REPO_ROOT, tempDir } from './server.js';

/** A server for replay tests, with the mail it sent. */
export interface ReplayServer extends RunningServer {
  httpUrl: string;
  dataDir: string;
  mails: MailMessage[];
  logs: string[];
}

const started = new Set<ReplayServer>();

/**
 * Starts a server on a fresh (or the given) data dir with the test-built worker
 * and page, and a mail box in `mails` (or, with `outbox`, the server's own
 * development outbox).
 */
export async function startReplayServer(bundles: ReplayBundles, overrides: Partial<ServerConfig> = {}, outbox = false): Promise<ReplayServer> {
  const mails: MailMessage[] = [];
  const logs: string[] = [];
  const mailer: Mailer | undefined = outbox ? undefined : { send: async (m) => { mails.push(m); } };
  const config: ServerConfig = {
    ...loadConfig({ PORT: '0', HOST: '127.0.0.1' }, REPO_ROOT),
    dataDir: tempDir('cwmn-replay-'),
    replayWorkerPath: bundles.workerPath,
    replayPageDir: bundles.pageDir,
    log: (line) => logs.push(line),
    ...overrides,
  };
  const server = await startServer(config, { mailer });
  const replay: ReplayServer = { ...server, httpUrl: `http://127.0.0.1:${server.port}`, dataDir: config.dataDir, mails, logs };
  started.add(replay);
  return replay;
}

/** Stops every server started with `startReplayServer` (temporary dirs go with `stopServers`). */
export async function stopReplayServers(): Promise<void> {
  const servers = [...started];
  started.clear();
  await Promise.all(servers.map((s) => s.close()));
}

/** One replay session, seen from its host. */
export class ReplayHost {
  constructor(readonly server: ReplayServer, readonly sessionId: string, readonly hostToken: string, readonly origin: string) {}

  /** Creates a replay session over HTTP. */
  static async create(server: ReplayServer, origin: string): Promise<ReplayHost> {
    const res = await fetch(`${server.httpUrl}/api/sessions`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Origin: origin },
      body: JSON.stringify({ hostName: 'Ada', hostEmail: 'ada@example.com', isReplay: true }),
    });
    const body = await res.json() as CreateSessionResponse;
    if (res.status !== 201) throw new Error(`POST /api/sessions answered ${res.status}: ${JSON.stringify(body)}`);
    return new ReplayHost(server, body.session.sessionId, body.hostToken, origin);
  }

  /** Calls `/api/replays/<id>/<action>`; returns status and parsed JSON. */
  async call(action: string, init: RequestInit & { token?: string } = {}): Promise<{ status: number; body: any }> {
    const headers = new Headers(init.headers);
    headers.set('Authorization', `Bearer ${init.token ?? this.hostToken}`);
    headers.set('Origin', this.origin);
    const res = await fetch(`${this.server.httpUrl}/api/replays/${this.sessionId}/${action}`, { ...init, headers });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  postJson(action: string, body: unknown, extra: RequestInit & { token?: string } = {}) {
    return this.call(action, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), ...extra });
  }

  /** Uploads the events in batches of `perBatch` (one of them gzip-compressed), then the audio chunks. */
  async upload(recording: Pick<Recording, 'events' | 'audioChunks' | 'audioStartedAt'>, perBatch = 20): Promise<void> {
    let seq = 0;
    for (let i = 0; i < recording.events.length; i += perBatch) {
      const body = JSON.stringify({ seq, events: recording.events.slice(i, i + perBatch) });
      const res = seq === 1
        ? await this.call('events', { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, body: new Uint8Array(gzipSync(body)) })
        : await this.call('events', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      if (res.status !== 200 || res.body.stored !== true) throw new Error(`events upload ${seq}: ${res.status} ${JSON.stringify(res.body)}`);
      seq += 1;
    }
    for (const [chunk, bytes] of recording.audioChunks.entries()) {
      const res = await this.uploadAudio(0, chunk, recording.audioStartedAt, bytes);
      if (res.status !== 200) throw new Error(`audio upload ${chunk}: ${res.status} ${JSON.stringify(res.body)}`);
    }
  }

  uploadAudio(segment: number, chunk: number, startedAt: number, bytes: Buffer) {
    return this.call(`audio?segment=${segment}&chunk=${chunk}&startedAt=${startedAt}`, {
      method: 'POST', headers: { 'Content-Type': 'audio/webm' }, body: new Uint8Array(bytes),
    });
  }

  async status(): Promise<ReplayStatus> {
    const res = await this.call('status');
    if (res.status !== 200) throw new Error(`status: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as ReplayStatus;
  }

  /** Polls the status until `until` holds; returns every status seen. */
  async waitFor(until: (s: ReplayStatus) => boolean, timeoutMs = 45_000): Promise<ReplayStatus[]> {
    const seen: ReplayStatus[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.status();
      seen.push(status);
      if (until(status)) return seen;
      if (Date.now() > deadline) throw new Error(`replay still ${JSON.stringify(status)} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The replay's folder on disk. */
  get dir(): string {
    return path.join(this.server.dataDir, 'replays', this.sessionId);
  }
}

/** ffprobe's view of a file: format duration and streams. */
export function probe(file: string): { duration: number; streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number }> } {
  const out = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type,codec_name,width,height', '-of', 'json', file], { encoding: 'utf8' });
  const json = JSON.parse(out.stdout) as { format: { duration: string }; streams: any[] };
  return { duration: Number(json.format.duration), streams: json.streams };
}

/** Hashes of every decoded video frame (`framemd5`), in order. */
export function frameHashes(file: string): string[] {
  const out = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:v', '-f', 'framemd5', '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return out.stdout.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(',').pop()!.trim());
}

/** Mean RGB of a box of the frame at `seconds` (decoded, cropped, as raw rgb24). */
export function meanColor(file: string, seconds: number, box: { left: number; top: number; width: number; height: number }): [number, number, number] {
  const out = spawnSync('ffmpeg', ['-v', 'error', '-ss', String(seconds), '-i', file, '-frames:v', '1',
    '-vf', `crop=${box.width}:${box.height}:${box.left}:${box.top}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 16 * 1024 * 1024 });
  const px = out.stdout as Buffer;
  const sum = [0, 0, 0];
  for (let i = 0; i < px.length; i += 3) for (let c = 0; c < 3; c += 1) sum[c]! += px[i + c]!;
  const n = px.length / 3 || 1;
  return [Math.round(sum[0]! / n), Math.round(sum[1]! / n), Math.round(sum[2]! / n)];
}

/** Downloads a URL to a file; returns the response. */
export async function download(url: string, file: string, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(url, { headers });
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return res;
}
