// The replays of the one-server store on disk: each one's record is
// `replays/<id>/replay.json`, beside its files (recording-files.ts), written
// atomically on every change and read at start; for a replay still
// recording, what its uploads counted (the batches stored, the bytes) is
// read back from its files.

import fs from 'node:fs';
import path from 'node:path';
import { RecordingFiles, REPLAYS_DIR_NAME } from '../replay/recording-files.js';
import { readReplayRecord, writeJsonAtomic } from '../replay/replay-record.js';
import type { LoadedReplay, ReplayPersistence } from './replay-store.js';

/** The replay records under `dataDir`, and where each change of one goes. */
export function openReplayFiles(dataDir: string): ReplayPersistence {
  const root = path.join(dataDir, REPLAYS_DIR_NAME);
  const files = (sessionId: string) => new RecordingFiles(path.join(root, sessionId));
  let names: string[] = [];
  try {
    names = fs.readdirSync(root);
  } catch {
    // No replay yet: the folder is made with the first one.
  }
  const loaded: LoadedReplay[] = [];
  for (const name of names) {
    const record = readReplayRecord(files(name).record);
    if (record?.sessionId !== name) continue; // Not a replay's record (or in another's folder).
    const own = files(name);
    loaded.push({ record, uploads: record.state === 'recording' ? { seqs: own.storedSeqs(), bytes: own.size() } : null });
  }
  return {
    loaded,
    write: (record) => {
      const own = files(record.sessionId);
      fs.mkdirSync(own.dir, { recursive: true, mode: 0o700 });
      writeJsonAtomic(own.record, record);
    },
    remove: (sessionId) => fs.rmSync(files(sessionId).record, { force: true }),
  };
}
