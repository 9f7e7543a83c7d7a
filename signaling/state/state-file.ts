// Reading and atomically writing `state.json`, the snapshot that the journal
// (journal.ts) is folded into.

import fs from 'node:fs';
import { writeFileAtomic, writeFileAtomicSync } from '../atomic-file.js';
import { isRecord } from '../../src/protocol/index.js';
import { readRows, STATE_VERSION, STORE_TABLES, type StoreSnapshot } from './records.js';

/** Name of the state file inside `CWMN_DATA_DIR`. */
export const STATE_FILE_NAME = 'state.json';

/** What was read: the valid records, how many records were dropped as malformed, and the file's size. */
export interface StateFileContents {
  snapshot: StoreSnapshot;
  skipped: number;
  /** Size of the file in bytes (0 when it is missing). */
  bytes: number;
}

/** Reads a state file; a missing file is an empty state. Throws a readable error when the file is not a state file. */
export function readStateFile(file: string): StateFileContents {
  let content: Buffer;
  try {
    content = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { snapshot: emptySnapshot(), skipped: 0, bytes: 0 };
    throw err;
  }
  // A journal left beside a moved-away state file would bring back a part of the old state.
  const advice = 'move it away (with the state.journal beside it) to start with an empty state';
  let data: unknown;
  try {
    data = JSON.parse(content.toString('utf8'));
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}); ${advice}`);
  }
  if (!isRecord(data) || data.version !== STATE_VERSION || !Array.isArray(data.sessions) || !Array.isArray(data.links)) {
    throw new Error(`${file} is not a cwmn state file of version ${STATE_VERSION}; ${advice}`);
  }
  // Lists added after version 1 was first written are optional.
  const sessions = readRows('sessions', data.sessions);
  const links = readRows('links', data.links);
  const guests = readRows('guests', Array.isArray(data.guests) ? data.guests : []);
  const hostInvites = readRows('hostInvites', Array.isArray(data.hostInvites) ? data.hostInvites : []);
  return {
    snapshot: { version: STATE_VERSION, sessions: sessions.rows, links: links.rows, guests: guests.rows, hostInvites: hostInvites.rows },
    skipped: sessions.skipped + links.skipped + guests.skipped + hostInvites.skipped,
    bytes: content.length,
  };
}

/**
 * Writes a state file atomically: a temporary file in the same directory is
 * written and flushed to disk, then renamed over the old one, so a crash leaves
 * either the old or the new state, never half of one. Returns the bytes written.
 */
export function writeStateFile(file: string, snapshot: StoreSnapshot): number {
  const data = JSON.stringify(snapshot);
  writeFileAtomicSync(file, data);
  return Buffer.byteLength(data);
}

/** Records serialized between two turns of the event loop when writing a state file in the background. */
const RECORDS_PER_TURN = 2000;

/**
 * Like `writeStateFile`, without blocking the event loop for long: the records
 * are serialized a slice at a time, the file written asynchronously. The
 * snapshot's records must not change meanwhile (the store never changes a
 * record in place). Resolves to the bytes written.
 */
export async function writeStateFileAsync(file: string, snapshot: StoreSnapshot): Promise<number> {
  const parts: string[] = [`{"version":${JSON.stringify(snapshot.version)}`];
  for (const table of STORE_TABLES) {
    const rows: readonly unknown[] = snapshot[table];
    const slices: string[] = [];
    for (let i = 0; i < rows.length; i += RECORDS_PER_TURN) {
      slices.push(rows.slice(i, i + RECORDS_PER_TURN).map((row) => JSON.stringify(row)).join(','));
      await new Promise((resolve) => setImmediate(resolve));
    }
    parts.push(`,${JSON.stringify(table)}:[${slices.join(',')}]`);
  }
  parts.push('}');
  const data = Buffer.from(parts.join(''));
  await writeFileAtomic(file, data);
  return data.length;
}

/** A state with no records. */
export function emptySnapshot(): StoreSnapshot {
  return { version: STATE_VERSION, sessions: [], links: [], guests: [], hostInvites: [] };
}
