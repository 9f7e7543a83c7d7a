// The journal beside `state.json`: one JSON line per change set, written and
// flushed to disk before the call that made the change resolves, so persisting
// a change costs the size of the change rather than of the whole state. Lines
// that arrive while a sync runs share the next one (group commit). Compaction
// folds the journal into a new `state.json` and empties it.
//
// A line is `{"version":1,"put":{"links":[…]},"delete":{"sessions":["…"]}}`:
// records put whole, keys deleted. Replaying a line sets or removes whole
// records by key, so replaying it again changes nothing; that is what makes a
// crash between writing the snapshot and emptying the journal harmless.

import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { isRecord } from '../../src/protocol/index.js';
import {
  readRows, rowKey, STATE_VERSION, STORE_TABLES, type StoreRow, type StoreSnapshot, type StoreTable,
} from './records.js';
import { writeStateFile, writeStateFileAsync } from './state-file.js';
import type { ChangeSet, Persistence } from './store.js';

/** Name of the journal file inside `CWMN_DATA_DIR`. */
export const JOURNAL_FILE_NAME = 'state.journal';

/** The journal is compacted once it outgrows both this and the last snapshot. */
export const COMPACT_MIN_BYTES = 1024 * 1024;

/** What was read from a journal: its change sets in order, how many lines or records were malformed, its size. */
export interface JournalContents {
  changeSets: ChangeSet[];
  skipped: number;
  /** Size of the file in bytes (0 when it is missing). */
  bytes: number;
}

/** Reads a journal; a missing file has no changes. */
export function readJournal(file: string): JournalContents {
  let content: Buffer;
  try {
    content = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { changeSets: [], skipped: 0, bytes: 0 };
    throw err;
  }
  const lines = content.toString('utf8').split('\n');
  // What follows the last newline is a line a crash cut short: its call never
  // returned, so nothing was promised about it.
  lines.pop();
  const changeSets: ChangeSet[] = [];
  let skipped = 0;
  for (const line of lines) {
    if (line === '') continue;
    const read = readLine(line);
    if (read === undefined) {
      skipped += 1;
    } else {
      changeSets.push(read.changes);
      skipped += read.skipped;
    }
  }
  return { changeSets, skipped, bytes: content.length };
}

/** `snapshot` with `changeSets` applied in order (a new snapshot; `snapshot` is left as it is). */
export function replayChangeSets(snapshot: StoreSnapshot, changeSets: readonly ChangeSet[]): StoreSnapshot {
  const next: StoreSnapshot = { ...snapshot };
  for (const table of STORE_TABLES) replayTable(next, table, changeSets);
  return next;
}

/** Lines serialized, and callers told their line is durable, in one turn of the event loop: a large group takes several. */
const LINES_PER_TURN = 500;

/** A change set waiting for its sync, and who waits for it. */
interface PendingLine {
  changes: ChangeSet;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Persists change sets to a journal file and compacts it into the snapshot
 * file, committing in groups: the lines written while a sync runs share the
 * next one, so a burst of changes costs one or a few syncs, not one each. All
 * file work is asynchronous, off the event loop.
 */
export class Journal implements Persistence {
  private fd: number | null;
  /** Bytes of complete lines: where the next line goes. */
  private size: number;
  private snapshotBytes: number;
  private pending: PendingLine[] = [];
  /** The group commits running now, until nothing is pending; null when idle. */
  private flushing: Promise<void> | null = null;
  private snapshotOf: (() => StoreSnapshot) | null = null;
  private syncCount = 0;

  /**
   * Opens (creating it if needed) the journal `file`, which `snapshotFile`
   * (now `snapshotBytes` long) is the snapshot of; it is compacted once it
   * outgrows both `compactMinBytes` and the last snapshot. `log` hears of a
   * compaction that failed (the journal then keeps every change, and the next one tries again).
   */
  constructor(
    private readonly file: string,
    private readonly snapshotFile: string,
    snapshotBytes: number,
    private readonly compactMinBytes: number,
    private readonly log: (line: string) => void = () => {},
  ) {
    // Not O_APPEND: lines are written at `size`, so that a line whose write
    // failed half-way is overwritten by the next one instead of running into it.
    this.fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o600);
    this.size = fs.fstatSync(this.fd).size;
    this.snapshotBytes = snapshotBytes;
  }

  /** Bytes in the journal now. */
  get bytes(): number {
    return this.size;
  }

  /** Syncs of the journal so far (each makes a group of change sets durable). */
  get syncs(): number {
    return this.syncCount;
  }

  write(changes: ChangeSet, snapshot: () => StoreSnapshot): Promise<void> {
    if (this.fd === null) return Promise.reject(new Error(`journal ${this.file} is closed`));
    // Serialized when its group is written: a change set is a value, never changed after it is given.
    this.snapshotOf = snapshot;
    return new Promise((resolve, reject) => {
      this.pending.push({ changes, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /**
   * Writes `snapshot` (the state with every journaled change applied) as the
   * snapshot file, then empties the journal, synchronously: for opening, before
   * anything else is written.
   */
  compact(snapshot: StoreSnapshot): void {
    const fd = this.openFd();
    this.snapshotBytes = writeStateFile(this.snapshotFile, snapshot);
    // The rename of the new snapshot must be on disk before the journal is
    // emptied: otherwise a power cut could keep the old snapshot and the empty journal.
    syncDirectory(path.dirname(this.snapshotFile));
    fs.ftruncateSync(fd, 0);
    fs.fdatasyncSync(fd);
    this.size = 0;
  }

  async settled(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Finishes the writes given so far, then closes the file. Idempotent. */
  async close(): Promise<void> {
    await this.settled();
    this.closeNow();
  }

  /** Closes the file at once (nothing may be pending). Idempotent. */
  closeNow(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    fs.closeSync(fd);
  }

  /** Commits groups until nothing is pending, compacting between groups when the journal has grown enough. */
  private async flush(): Promise<void> {
    // Whatever else this turn of the event loop writes joins the first group.
    await nextTurn();
    while (this.pending.length > 0) {
      const group = this.pending;
      this.pending = [];
      await this.commit(group);
      if (this.size > Math.max(this.compactMinBytes, this.snapshotBytes) && this.snapshotOf) {
        await this.compactInBackground(this.snapshotOf());
      }
    }
    // Checked and cleared in one step: a write after this starts a new flush.
    this.flushing = null;
  }

  /** Writes and syncs one group of lines; each waiting call learns the outcome. */
  private async commit(group: PendingLine[]): Promise<void> {
    const data = await serialize(group);
    try {
      const fd = this.openFd();
      await writeAll(fd, data, this.size);
      await callback<void>((done) => fs.fdatasync(fd, done));
      this.syncCount += 1;
    } catch (err) {
      // Cut back to the last whole line; left as it is, a cut line is the last one and is ignored when read.
      if (this.fd !== null) await callback<void>((done) => fs.ftruncate(this.fd as number, this.size, done)).catch(() => {});
      for (const p of group) p.reject(err);
      return;
    }
    this.size += data.length;
    // What each caller does next runs between these turns, not all in one.
    for (let i = 0; i < group.length; i += LINES_PER_TURN) {
      if (i > 0) await nextTurn();
      for (const p of group.slice(i, i + LINES_PER_TURN)) p.resolve();
    }
  }

  /** Like `compact`, without blocking the event loop; a failure is logged and leaves the journal whole. */
  private async compactInBackground(snapshot: StoreSnapshot): Promise<void> {
    try {
      const fd = this.openFd();
      const bytes = await writeStateFileAsync(this.snapshotFile, snapshot);
      await syncDirectoryAsync(path.dirname(this.snapshotFile));
      this.snapshotBytes = bytes;
      await callback<void>((done) => fs.ftruncate(fd, 0, done));
      await callback<void>((done) => fs.fdatasync(fd, done));
      this.size = 0;
    } catch (err) {
      this.log(`state: compacting ${this.file} failed, the journal keeps growing: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  private openFd(): number {
    if (this.fd === null) throw new Error(`journal ${this.file} is closed`);
    return this.fd;
  }
}

function readLine(line: string): { changes: ChangeSet; skipped: number } | undefined {
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(data) || data.version !== STATE_VERSION) return undefined;
  const put = data.put ?? {};
  const deleted = data.delete ?? {};
  if (!isRecord(put) || !isRecord(deleted)) return undefined;
  const changes: ChangeSet = { put: {}, delete: {} };
  let skipped = 0;
  // Tables this server does not know are ignored, as in the snapshot.
  for (const table of STORE_TABLES) {
    const records = put[table];
    const keys = deleted[table];
    if ((records !== undefined && !Array.isArray(records)) || (keys !== undefined && !Array.isArray(keys))) return undefined;
    if (records !== undefined) {
      const read = readRows(table, records);
      setPut(changes, table, read.rows);
      skipped += read.skipped;
    }
    if (keys !== undefined) {
      const valid = keys.filter((k): k is string => typeof k === 'string');
      changes.delete[table] = valid;
      skipped += keys.length - valid.length;
    }
  }
  return { changes, skipped };
}

function setPut<T extends StoreTable>(changes: ChangeSet, table: T, rows: StoreRow<T>[]): void {
  changes.put[table] = rows as StoreSnapshot[T];
}

function replayTable<T extends StoreTable>(snapshot: StoreSnapshot, table: T, changeSets: readonly ChangeSet[]): void {
  const rows = new Map<string, StoreRow<T>>();
  for (const row of snapshot[table] as StoreRow<T>[]) rows.set(rowKey(table, row), row);
  for (const changes of changeSets) {
    // Deletes first: a change set never deletes and puts the same key, but a hand-edited line might.
    for (const key of changes.delete[table] ?? []) rows.delete(key);
    for (const row of (changes.put[table] ?? []) as StoreRow<T>[]) rows.set(rowKey(table, row), row);
  }
  snapshot[table] = [...rows.values()] as StoreSnapshot[T];
}

/** The journal lines of a group, serialized a slice per turn of the event loop. */
async function serialize(group: readonly PendingLine[]): Promise<Buffer> {
  const parts: string[] = [];
  for (let i = 0; i < group.length; i += LINES_PER_TURN) {
    if (i > 0) await nextTurn();
    for (const p of group.slice(i, i + LINES_PER_TURN)) parts.push(`${JSON.stringify({ version: STATE_VERSION, ...p.changes })}\n`);
  }
  return Buffer.from(parts.join(''));
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A Node callback call as a promise. */
function callback<T>(run: (done: (err: NodeJS.ErrnoException | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value as T))));
}

async function writeAll(fd: number, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    done += await callback<number>((cb) => fs.write(fd, data, done, data.length - done, position + done, cb));
  }
}

function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch (err) {
    // Windows cannot open a directory to flush it: there the rename's durability is the file system's.
    if ((err as NodeJS.ErrnoException).code === 'EISDIR' || (err as NodeJS.ErrnoException).code === 'EPERM') return;
    throw err;
  }
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

async function syncDirectoryAsync(dir: string): Promise<void> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(dir, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EISDIR' || (err as NodeJS.ErrnoException).code === 'EPERM') return;
    throw err;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
