// Reading and atomically writing `state.json`.

import fs from 'node:fs';
import { writeFileAtomicSync } from '../atomic-file.js';
import { isRecord } from '../../src/protocol/index.js';
import {
  isGuestStoreRecord, isHostInviteRecord, isLinkRecord, isSessionRecord, STATE_VERSION, upgradeLinkRecord, upgradeSessionRecord,
  type StoreSnapshot,
} from './records.js';

/** Name of the state file inside `CWMN_DATA_DIR`. */
export const STATE_FILE_NAME = 'state.json';

/** What was read: the valid records, and how many records were dropped as malformed. */
export interface StateFileContents {
  snapshot: StoreSnapshot;
  skipped: number;
}

/** Reads a state file; a missing file is an empty state. Throws a readable error when the file is not a state file. */
export function readStateFile(file: string): StateFileContents {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { snapshot: emptySnapshot(), skipped: 0 };
    throw err;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}); move it away to start with an empty state`);
  }
  if (!isRecord(data) || data.version !== STATE_VERSION || !Array.isArray(data.sessions) || !Array.isArray(data.links)) {
    throw new Error(`${file} is not a cwmn state file of version ${STATE_VERSION}; move it away to start with an empty state`);
  }
  // Lists added after version 1 was first written are optional.
  const storedGuests: unknown[] = Array.isArray(data.guests) ? data.guests : [];
  const storedInvites: unknown[] = Array.isArray(data.hostInvites) ? data.hostInvites : [];
  const sessions = data.sessions.map(upgradeSessionRecord).filter(isSessionRecord);
  const links = data.links.map(upgradeLinkRecord).filter(isLinkRecord);
  const guests = storedGuests.filter(isGuestStoreRecord);
  const hostInvites = storedInvites.filter(isHostInviteRecord);
  const skipped = data.sessions.length - sessions.length + data.links.length - links.length
    + storedGuests.length - guests.length + storedInvites.length - hostInvites.length;
  return { snapshot: { version: STATE_VERSION, sessions, links, guests, hostInvites }, skipped };
}

/**
 * Writes a state file atomically: a temporary file in the same directory is
 * written and flushed to disk, then renamed over the old one, so a crash leaves
 * either the old or the new state, never half of one.
 */
export function writeStateFile(file: string, snapshot: StoreSnapshot): void {
  writeFileAtomicSync(file, JSON.stringify(snapshot));
}

function emptySnapshot(): StoreSnapshot {
  return { version: STATE_VERSION, sessions: [], links: [], guests: [], hostInvites: [] };
}
