// The files of one replay under `CWMN_DATA_DIR/replays/<sessionId>/`:
//   replay.json            the replay's record (state, audio segments, video token, mail), by the one-server store
//   events.jsonl           one uploaded batch per line: {"seq":N,"events":[…]}
//   audio/<segment>/<chunk>.webm   MediaRecorder chunks, one folder per page load
//   video.mp4              the rendered video
//   work/                  the renderer's scratch files
// Writes that must survive a crash are flushed to disk before the upload is answered.

import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import type { ReplayEvent } from '../../src/protocol/index.js';

/** Folder of all replays inside the data directory. */
export const REPLAYS_DIR_NAME = 'replays';
export const RECORD_FILE = 'replay.json';
export const EVENTS_FILE = 'events.jsonl';
export const AUDIO_DIR = 'audio';
export const VIDEO_FILE = 'video.mp4';
export const WORK_DIR = 'work';

/** Paths of one replay's files. */
export class RecordingFiles {
  constructor(readonly dir: string) {}

  get record(): string { return path.join(this.dir, RECORD_FILE); }
  get events(): string { return path.join(this.dir, EVENTS_FILE); }
  get video(): string { return path.join(this.dir, VIDEO_FILE); }
  get work(): string { return path.join(this.dir, WORK_DIR); }
  audioSegment(segment: number): string { return path.join(this.dir, AUDIO_DIR, String(segment)); }
  audioChunk(segment: number, chunk: number): string { return path.join(this.audioSegment(segment), `${chunk}.webm`); }

  /** Appends one events batch as a line and flushes it to disk. */
  async appendEvents(seq: number, events: readonly ReplayEvent[]): Promise<number> {
    const line = `${JSON.stringify({ seq, events })}\n`;
    const handle = await fsp.open(this.events, 'a', 0o600);
    try {
      await handle.writeFile(line, 'utf8');
      await handle.datasync();
    } finally {
      await handle.close();
    }
    return Buffer.byteLength(line);
  }

  /** The batch numbers already stored (a torn last line is ignored); read at a start, once. */
  storedSeqs(): number[] {
    let text: string;
    try {
      text = fs.readFileSync(this.events, 'utf8');
    } catch {
      return [];
    }
    return [...text.matchAll(/^\{"seq":(\d+),/gm)].map((m) => Number(m[1]));
  }

  /** Every stored event, batch by batch in `seq` order; unreadable lines (a torn write) are skipped. */
  async readEvents(): Promise<ReplayEvent[]> {
    let text: string;
    try {
      text = await fsp.readFile(this.events, 'utf8');
    } catch {
      return [];
    }
    const batches: Array<{ seq: number; events: ReplayEvent[] }> = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const batch = JSON.parse(line) as { seq: number; events: ReplayEvent[] };
        if (Number.isInteger(batch.seq) && Array.isArray(batch.events)) batches.push(batch);
      } catch {
        // A line cut short by a crash: what was stored before it still renders.
      }
    }
    return batches.sort((a, b) => a.seq - b.seq).flatMap((b) => b.events);
  }

  /** Stores one audio chunk atomically; false when it was there already. */
  async writeAudioChunk(segment: number, chunk: number, bytes: Buffer): Promise<boolean> {
    const file = this.audioChunk(segment, chunk);
    if (fs.existsSync(file)) return false;
    await fsp.mkdir(this.audioSegment(segment), { recursive: true });
    await writeFileAtomic(file, bytes);
    return true;
  }

  /** The chunk numbers of a segment, in order. */
  async audioChunks(segment: number): Promise<number[]> {
    let names: string[];
    try {
      names = await fsp.readdir(this.audioSegment(segment));
    } catch {
      return [];
    }
    return names.map((n) => /^(\d+)\.webm$/.exec(n)?.[1]).filter((n): n is string => n !== undefined)
      .map(Number).sort((a, b) => a - b);
  }

  /** Concatenates a segment's chunks, in order, into one WebM file; false when it has none. */
  async joinAudioSegment(segment: number, target: string): Promise<boolean> {
    const chunks = await this.audioChunks(segment);
    if (chunks.length === 0) return false;
    const out = await fsp.open(target, 'w', 0o600);
    try {
      for (const chunk of chunks) await out.writeFile(await fsp.readFile(this.audioChunk(segment, chunk)));
    } finally {
      await out.close();
    }
    return true;
  }

  /** Bytes of every file of this replay. */
  size(): number {
    let total = 0;
    const walk = (p: string) => {
      try {
        const stat = fs.statSync(p);
        if (stat.isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name));
        else total += stat.size;
      } catch {
        // Gone meanwhile.
      }
    };
    walk(this.dir);
    return total;
  }

  /** Deletes the recording and the video (everything of this replay). */
  async removeAll(): Promise<void> {
    await fsp.rm(this.dir, { recursive: true, force: true });
  }
}
