// Reading what a test server wrote to its data dir.

import fs from 'node:fs';
import path from 'node:path';
import { readPersistedState, stateFiles } from '../../../signaling/state/file-store.js';
import type { LinkRecord, SessionRecord, StoreSnapshot } from '../../../signaling/state/records.js';
import type { TestServer } from './server.js';

/** The server's state as it is on disk now (`state.json` with the journal replayed over it). */
export function readState(server: TestServer): StoreSnapshot {
  return readPersistedState(server.config.dataDir).snapshot;
}

/** Every byte of the state files of `dataDir`, as text (to check that no secret is stored). */
export function storedStateText(dataDir: string): string {
  return Object.values(stateFiles(dataDir))
    .filter((file) => fs.existsSync(file))
    .map((file) => fs.readFileSync(file, 'utf8'))
    .join('\n');
}

/** Files in `dataDir` other than the state files (temporary files left behind, say). */
export function strayStateFiles(dataDir: string): string[] {
  const names = Object.values(stateFiles(dataDir)).map((file) => path.basename(file));
  return fs.readdirSync(dataDir).filter((name) => !names.includes(name));
}

/** The stored links of a session. */
export function storedLinks(server: TestServer, sessionId: string): LinkRecord[] {
  return readState(server).links.filter((l) => l.sessionId === sessionId);
}

/** The stored record of a session. */
export function storedSession(server: TestServer, sessionId: string): SessionRecord | undefined {
  return readState(server).sessions.find((s) => s.id === sessionId);
}

/** The files of the development outbox (none when it does not exist yet). */
export function outboxFiles(server: TestServer): string[] {
  const dir = path.join(server.config.dataDir, 'outbox');
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}
