import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openFileStore, readPersistedState, stateFiles, type FileStoreOptions } from '../../../signaling/state/file-store.js';
import { Journal } from '../../../signaling/state/journal.js';
import {
  STATE_VERSION, type GuestStoreRecord, type HostInviteRecord, type LinkRecord, type SessionRecord,
} from '../../../signaling/state/records.js';
import { readStateFile, writeStateFile } from '../../../signaling/state/state-file.js';
import type { MemoryStore } from '../../../signaling/state/store.js';
import { hashToken } from '../../../signaling/tokens.js';

const dirs: string[] = [];
const stores: MemoryStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cwmn-journal-'));
  dirs.push(dir);
  return dir;
}
function openStore(dir: string, options: { log?: (line: string) => void } & FileStoreOptions = {}): MemoryStore {
  const store = openFileStore(dir, options.log ?? (() => {}), options);
  stores.push(store);
  return store;
}
function journalLines(dir: string): string[] {
  return fs.readFileSync(stateFiles(dir).journal, 'utf8').split('\n').filter((l) => l !== '');
}
const sizeOf = (file: string) => fs.statSync(file).size;

const session: SessionRecord = {
  id: 'session-1', isReplay: false, hostName: 'Ada', hostEmail: '', origin: 'https://a.example',
  hostTokenHash: hashToken('host-token-123456'), startedAt: 1000, expiresAt: 2000, endedAt: null, endReason: null, guestSeq: 0,
  publicLinkToken: null, removedGuestIds: [],
};
const guest: GuestStoreRecord = {
  id: 'guest-1', sessionId: 'session-1', name: 'Bea', joinedAt: 1500, resumeTokenHash: hashToken('resume-token-123456'), leftAt: null,
};
const invite: HostInviteRecord = {
  id: 'invite-1', sessionId: 'session-1', url: 'https://a.example/start', tokenHashes: [hashToken('claim-token-123456')],
  joinCodeHash: hashToken('ABCDEFGH'), createdAt: 1000, expiresAt: 2000, claimedAt: null, revokedAt: null,
};
function link(n: number): LinkRecord {
  return {
    tokenHash: hashToken(`link-token-${n}-123456`), sessionId: 'session-1', kind: 'private',
    createdAt: 1000, expiresAt: 5000, usedAt: null, revokedAt: null,
  };
}

describe('state journal', () => {
  it('appends one line per change and replays it on reopening, before any compaction', () => {
    const dir = tmp();
    const files = stateFiles(dir);
    const store = openStore(dir);
    store.putSession(session);
    store.putLink(link(1));
    store.putGuest(guest);
    store.putHostInvite(invite);
    store.putLink({ ...link(1), usedAt: 1600 });
    store.close();
    expect(fs.existsSync(files.snapshot)).toBe(false); // Nothing compacted yet.
    expect(journalLines(dir)).toHaveLength(5);
    const expected = store.snapshot();
    expect(readPersistedState(dir).snapshot).toEqual(expected);

    const again = openStore(dir);
    expect(again.snapshot()).toEqual(expected);
    expect(again.findHostInviteByToken(invite.tokenHashes[0]!)).toEqual(invite);
    // A replayed journal is compacted at once.
    expect(sizeOf(files.journal)).toBe(0);
    expect(readStateFile(files.snapshot).snapshot).toEqual(expected);
  });

  it('writes a batch as one line, with the last change of each key', () => {
    const dir = tmp();
    const store = openStore(dir);
    store.batch(() => {
      store.putSession(session);
      store.putLink(link(1));
      store.putLink(link(2));
      store.putSession({ ...session, guestSeq: 1 });
    });
    const lines = journalLines(dir);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      version: STATE_VERSION, put: { sessions: [{ ...session, guestSeq: 1 }], links: [link(1), link(2)] }, delete: {},
    });
    store.deleteLink(link(2).tokenHash);
    expect(journalLines(dir)).toHaveLength(2);
  });

  it('keeps deletes, before and after a compaction', () => {
    const dir = tmp();
    const store = openStore(dir);
    store.putSession(session);
    store.putLink(link(1));
    store.putLink(link(2));
    store.putGuest(guest);
    store.putHostInvite(invite);
    store.deleteLink(link(1).tokenHash);
    store.deleteHostInvite(invite.id);
    store.close();

    const second = openStore(dir); // Compacts.
    expect(second.allLinks()).toEqual([link(2)]);
    expect(second.allHostInvites()).toEqual([]);
    second.deleteGuest(guest.id);
    second.deleteSession(session.id);
    second.close();

    const third = openStore(dir);
    expect(third.snapshot()).toEqual({ version: STATE_VERSION, sessions: [], links: [link(2)], guests: [], hostInvites: [] });
  });

  it('ignores a line a crash cut short, and counts a malformed line in the middle', () => {
    const dir = tmp();
    const files = stateFiles(dir);
    const store = openStore(dir);
    store.putSession(session);
    store.putLink(link(1));
    store.close();
    const [first, second] = journalLines(dir);
    const torn = JSON.stringify({ version: STATE_VERSION, put: { links: [link(3)] }, delete: {} }).slice(0, 60);
    fs.writeFileSync(files.journal, `${first}\n{"version":1,"put":{"links":[\n${second}\n${torn}`);

    const lines: string[] = [];
    const again = openStore(dir, { log: (l) => lines.push(l) });
    expect(again.snapshot()).toEqual({ version: STATE_VERSION, sessions: [session], links: [link(1)], guests: [], hostInvites: [] });
    expect(lines).toEqual([`state: dropped 1 malformed record(s) from ${files.journal}`]);
    // The cut line is gone with the compaction, so the next line is whole.
    expect(sizeOf(files.journal)).toBe(0);
    again.putLink(link(2));
    again.close();
    expect(openStore(dir).allLinks()).toEqual([link(1), link(2)]);
  });

  it('checks journaled records like the snapshot: drops bad ones, fills in the fields old ones lack', () => {
    const dir = tmp();
    const files = stateFiles(dir);
    const { kind: _k, revokedAt: _r, ...oldLink } = link(1);
    const lines = [
      { version: STATE_VERSION, put: { sessions: [session, { ...session, id: 'session-2', hostTokenHash: 'clear-token' }] } },
      { version: STATE_VERSION, put: { links: [oldLink, link(2)] }, delete: { guests: [guest.id, 42] } },
      { version: 99, put: { links: [link(3)] } },
      { version: STATE_VERSION, put: { links: 'not a list' } },
    ];
    fs.writeFileSync(files.journal, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    const logs: string[] = [];
    const store = openStore(dir, { log: (l) => logs.push(l) });
    expect(store.allSessions()).toEqual([session]);
    expect(store.allLinks()).toEqual([link(1), link(2)]);
    // A bad session, a bad key, a line of another version, a line of the wrong shape.
    expect(logs).toEqual([`state: dropped 4 malformed record(s) from ${files.journal}`]);
  });

  it('compacts once the journal outgrows the threshold, leaving an empty journal and the same state', () => {
    const dir = tmp();
    const files = stateFiles(dir);
    const store = openStore(dir, { compactMinBytes: 2048 });
    let n = 0;
    let before = 0;
    while (n < 100) {
      before = fs.existsSync(files.journal) ? sizeOf(files.journal) : 0;
      store.putLink(link(n));
      n += 1;
      if (sizeOf(files.journal) === 0) break;
      expect(fs.existsSync(files.snapshot)).toBe(false);
    }
    expect(n).toBeGreaterThan(2); // Several lines fit under the threshold.
    expect(n).toBeLessThan(100);
    expect(before).toBeLessThanOrEqual(2048);
    expect(readStateFile(files.snapshot).snapshot).toEqual(store.snapshot());

    // One line larger than the threshold compacts at once.
    store.batch(() => {
      for (let i = 100; i < 140; i += 1) store.putLink(link(i));
    });
    expect(sizeOf(files.journal)).toBe(0);
    // The next compaction waits for the journal to outgrow the snapshot, now larger than the minimum.
    const snapshotBytes = sizeOf(files.snapshot);
    expect(snapshotBytes).toBeGreaterThan(2048);
    let largest = 0;
    for (let i = 0; i < 100 && sizeOf(files.snapshot) === snapshotBytes; i += 1) {
      largest = Math.max(largest, sizeOf(files.journal));
      store.putLink({ ...link(i), usedAt: 2000 + i });
    }
    expect(sizeOf(files.journal)).toBe(0);
    expect(largest).toBeGreaterThan(2048);
    expect(largest).toBeLessThanOrEqual(snapshotBytes);

    store.putLink(link(1000)); // And changes after a compaction are journaled again.
    store.close();
    const expected = store.snapshot();
    expect(openStore(dir).snapshot()).toEqual(expected);
  });

  it('reopens to the same state after a crash between writing the snapshot and emptying the journal', () => {
    const dir = tmp();
    const files = stateFiles(dir);
    const store = openStore(dir);
    store.putSession(session);
    store.putLink(link(1));
    store.putLink(link(2));
    store.putLink({ ...link(1), usedAt: 1700 });
    store.putGuest(guest);
    store.deleteGuest(guest.id);
    store.deleteLink(link(2).tokenHash);
    store.close();
    const expected = store.snapshot();
    // The first half of a compaction: the snapshot is written, the journal still holds every change.
    writeStateFile(files.snapshot, expected);
    expect(journalLines(dir)).toHaveLength(7);

    const logs: string[] = [];
    expect(openStore(dir, { log: (l) => logs.push(l) }).snapshot()).toEqual(expected);
    expect(logs).toEqual([]);
  });

  it('writes a few hundred bytes for a change to a large state, and leaves state.json alone', () => {
    const dir = tmp();
    const files = stateFiles(dir);
    const first = openStore(dir);
    first.putSession(session);
    first.batch(() => {
      for (let n = 0; n < 5000; n += 1) first.putLink(link(n));
    });
    first.close();
    const store = openStore(dir); // Compacts: the 5,000 links are in state.json.
    expect(sizeOf(files.journal)).toBe(0);
    const snapshot = fs.statSync(files.snapshot);
    expect(snapshot.size).toBeGreaterThan(800_000); // What every change used to rewrite.

    store.putLink(link(5000));
    const onePut = sizeOf(files.journal);
    expect(onePut).toBeLessThan(400);
    for (let n = 5001; n < 5011; n += 1) store.putLink(link(n));
    expect(sizeOf(files.journal)).toBeLessThan(11 * 400); // Grows with the changes, not with the state.
    const after = fs.statSync(files.snapshot);
    expect([after.ino, after.size, after.mtimeMs]).toEqual([snapshot.ino, snapshot.size, snapshot.mtimeMs]);
    store.close();
    expect(openStore(dir).allLinks()).toHaveLength(5011);
  });

  it('closes its file once, and refuses to write after', () => {
    const dir = tmp();
    const files = stateFiles(dir);
    const journal = new Journal(files.journal, files.snapshot, 0, 1024);
    journal.close();
    journal.close();
    expect(() => journal.write({ put: { sessions: [session] }, delete: {} }, () => readStateFile(files.snapshot).snapshot))
      .toThrow(`journal ${files.journal} is closed`);
  });
});
