// The server's store: in memory, each change appended to `<dataDir>/state.journal`
// (and synced, in groups) before the call resolves, the journal folded into
// `<dataDir>/state.json` from time to time; both read again at start. Each
// replay's record is written to its own `replay.json` (replay-files.ts).

import fs from 'node:fs';
import path from 'node:path';
import { removeLeftoverTemporaries } from '../atomic-file.js';
import type { LogFn } from '../config.js';
import { COMPACT_MIN_BYTES, Journal, JOURNAL_FILE_NAME, readJournal, replayChangeSets } from './journal.js';
import type { StoreSnapshot } from './records.js';
import { readStateFile, STATE_FILE_NAME } from './state-file.js';
import { MemoryStore } from './memory-store.js';
import { openReplayFiles } from './replay-files.js';

/** What a data dir holds: the snapshot with the journal replayed over it. */
export interface PersistedState {
  snapshot: StoreSnapshot;
  /** Malformed records (and journal lines) dropped, per file. */
  skipped: { snapshot: number; journal: number };
  /** Sizes of the files in bytes (0 for a missing one). */
  bytes: { snapshot: number; journal: number };
}

/** Options of `openFileStore`. */
export interface FileStoreOptions {
  /** The journal is compacted once it outgrows both this and the last snapshot (bytes). */
  compactMinBytes?: number;
}

/** Paths of the snapshot and the journal of `dataDir`. */
export function stateFiles(dataDir: string): { snapshot: string; journal: string } {
  return { snapshot: path.join(dataDir, STATE_FILE_NAME), journal: path.join(dataDir, JOURNAL_FILE_NAME) };
}

/** Reads the state persisted in `dataDir` (empty when there is none). Throws a readable error when `state.json` is not a state file. */
export function readPersistedState(dataDir: string): PersistedState {
  const files = stateFiles(dataDir);
  const snapshot = readStateFile(files.snapshot);
  const journal = readJournal(files.journal);
  return {
    snapshot: replayChangeSets(snapshot.snapshot, journal.changeSets),
    skipped: { snapshot: snapshot.skipped, journal: journal.skipped },
    bytes: { snapshot: snapshot.bytes, journal: journal.bytes },
  };
}

/** Opens (creating `dataDir` if needed) the journaled store of `dataDir`. */
export function openFileStore(dataDir: string, log: LogFn, options: FileStoreOptions = {}): MemoryStore {
  fs.mkdirSync(dataDir, { recursive: true });
  const files = stateFiles(dataDir);
  removeLeftoverTemporaries(files.snapshot); // One data dir belongs to one server: no other writer is mid-write.
  const state = readPersistedState(dataDir);
  if (state.skipped.snapshot > 0) log(`state: dropped ${state.skipped.snapshot} malformed record(s) from ${files.snapshot}`);
  if (state.skipped.journal > 0) log(`state: dropped ${state.skipped.journal} malformed record(s) from ${files.journal}`);
  const journal = new Journal(files.journal, files.snapshot, state.bytes.snapshot, options.compactMinBytes ?? COMPACT_MIN_BYTES, log);
  // Starting from an empty journal also drops a line a crash cut short, which
  // the next line would otherwise be appended to.
  if (state.bytes.journal > 0) {
    try {
      journal.compact(state.snapshot);
    } catch (err) {
      journal.closeNow();
      throw err;
    }
  }
  return new MemoryStore(state.snapshot, journal, openReplayFiles(dataDir));
}
