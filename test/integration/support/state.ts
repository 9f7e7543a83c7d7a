// Reading what a test server wrote to its data dir.

import fs from 'node:fs';
import path from 'node:path';
import type { LinkRecord, SessionRecord, StoreSnapshot } from '../../../signaling/state/records.js';
import type { TestServer } from './server.js';

/** The server's `state.json` as it is on disk now. */
export function readState(server: TestServer): StoreSnapshot {
  return JSON.parse(fs.readFileSync(path.join(server.config.dataDir, 'state.json'), 'utf8')) as StoreSnapshot;
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
