// The server's store: in memory, written through to `<dataDir>/state.json`
// on every change, loaded again at start.

import fs from 'node:fs';
import path from 'node:path';
import type { LogFn } from '../config.js';
import { readStateFile, STATE_FILE_NAME, writeStateFile } from './state-file.js';
import { MemoryStore } from './store.js';

/** Opens (creating `dataDir` if needed) the write-through store of `dataDir`. */
export function openFileStore(dataDir: string, log: LogFn): MemoryStore {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, STATE_FILE_NAME);
  const { snapshot, skipped } = readStateFile(file);
  if (skipped > 0) log(`state: dropped ${skipped} malformed record(s) from ${file}`);
  return new MemoryStore(snapshot, (next) => writeStateFile(file, next));
}
