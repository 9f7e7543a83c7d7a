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
import { MemoryStore } from '../../../signaling/state/memory-store.js';
import { hashToken } from '../../../signaling/tokens.js';

const dirs: string[] = [];
const stores: MemoryStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
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
  it('appends one line per change and replays it on reopening, before any compaction', async () => {
    const dir = tmp();
    const files = stateFiles(dir);
    const store = openStore(dir);
    await store.createSession(session);
    await store.createLink(link(1));
    await store.admitGuest({ linkTokenHash: link(1).tokenHash, guest, maxGuests: null, now: 1600 });
    await store.createHostInvite({ session: { ...session, id: 'session-2' }, links: [], invite }, 1600);
    await store.revokeLink(link(1).tokenHash, 1700);
    await store.close();
    expect(fs.existsSync(files.snapshot)).toBe(false); // Nothing compacted yet.
    expect(journalLines(dir)).toHaveLength(5);
    const expected = store.snapshot();
    expect(readPersistedState(dir).snapshot).toEqual(expected);

    const again = openStore(dir);
    expect(again.snapshot()).toEqual(expected);
    expect(await again.findHostInviteByToken(invite.tokenHashes[0]!)).toEqual(invite);
    // A replayed journal is compacted at once.
    expect(sizeOf(files.journal)).toBe(0);
    expect(readStateFile(files.snapshot).snapshot).toEqual(expected);
  });

  it('writes the changes of one operation as one line', async () => {
    const dir = tmp();
    const store = openStore(dir);
    await store.createHostInvite({ session, links: [link(1), link(2)], invite }, 1500);
    const lines = journalLines(dir);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      version: STATE_VERSION, put: { sessions: [session], links: [link(1), link(2)], hostInvites: [invite] }, delete: {},
    });
    await store.deleteRecords({ links: [link(2).tokenHash] });
    expect(journalLines(dir)).toHaveLength(2);
  });

  it('keeps deletes, before and after a compaction', async () => {
    const dir = tmp();
    const store = openStore(dir);
    await store.createHostInvite({ session, links: [link(1), link(2)], invite }, 1500);
    await store.admitGuest({ linkTokenHash: link(1).tokenHash, guest, maxGuests: null, now: 1500 });
    await store.deleteRecords({ links: [link(1).tokenHash], hostInvites: [invite.id] });
    await store.close();

    const second = openStore(dir); // Compacts.
    expect(await second.allLinks()).toEqual([link(2)]);
    expect(await second.allHostInvites()).toEqual([]);
    await second.deleteRecords({ guests: [guest.id], sessions: [session.id] });
    await second.close();

    const third = openStore(dir);
    expect(third.snapshot()).toEqual({ version: STATE_VERSION, sessions: [], links: [link(2)], guests: [], hostInvites: [] });
  });

  it('ignores a line a crash cut short, and counts a malformed line in the middle', async () => {
    const dir = tmp();
    const files = stateFiles(dir);
    const store = openStore(dir);
    await store.createSession(session);
    await store.createLink(link(1));
    await store.close();
    const [first, second] = journalLines(dir);
    const torn = JSON.stringify({ version: STATE_VERSION, put: { links: [link(3)] }, delete: {} }).slice(0, 60);
    fs.writeFileSync(files.journal, `${first}\n{"version":1,"put":{"links":[\n${second}\n${torn}`);

    const lines: string[] = [];
    const again = openStore(dir, { log: (l) => lines.push(l) });
    expect(again.snapshot()).toEqual({ version: STATE_VERSION, sessions: [session], links: [link(1)], guests: [], hostInvites: [] });
    expect(lines).toEqual([`state: dropped 1 malformed record(s) from ${files.journal}`]);
    // The cut line is gone with the compaction, so the next line is whole.
    expect(sizeOf(files.journal)).toBe(0);
    await again.createLink(link(2));
    await again.close();
    expect(await openStore(dir).allLinks()).toEqual([link(1), link(2)]);
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
    expect(store.snapshot()).toMatchObject({ sessions: [session], links: [link(1), link(2)] });
    // A bad session, a bad key, a line of another version, a line of the wrong shape.
    expect(logs).toEqual([`state: dropped 4 malformed record(s) from ${files.journal}`]);
  });

  it('compacts once the journal outgrows the threshold, leaving an empty journal and the same state', async () => {
    const dir = tmp();
    const files = stateFiles(dir);
    const store = openStore(dir, { compactMinBytes: 2048 });
    let n = 0;
    let before = 0;
    while (n < 100) {
      before = fs.existsSync(files.journal) ? sizeOf(files.journal) : 0;
      await store.createLink(link(n));
      await store.settled(); // Compaction follows the sync, in the background.
      n += 1;
      if (sizeOf(files.journal) === 0) break;
      expect(fs.existsSync(files.snapshot)).toBe(false);
    }
    expect(n).toBeGreaterThan(2); // Several lines fit under the threshold.
    expect(n).toBeLessThan(100);
    expect(before).toBeLessThanOrEqual(2048);
    expect(readStateFile(files.snapshot).snapshot).toEqual(store.snapshot());

    // One line larger than the threshold compacts at once.
    await store.createHostInvite({ session, links: Array.from({ length: 40 }, (_, i) => link(100 + i)), invite }, 1500);
    await store.settled();
    expect(sizeOf(files.journal)).toBe(0);
    // The next compaction waits for the journal to outgrow the snapshot, now larger than the minimum.
    const snapshotBytes = sizeOf(files.snapshot);
    expect(snapshotBytes).toBeGreaterThan(2048);
    let largest = 0;
    for (let i = 0; i < 100 && sizeOf(files.snapshot) === snapshotBytes; i += 1) {
      largest = Math.max(largest, sizeOf(files.journal));
      await store.createLink({ ...link(i), usedAt: 2000 + i });
      await store.settled();
    }
    expect(sizeOf(files.journal)).toBe(0);
    expect(largest).toBeGreaterThan(2048);
    expect(largest).toBeLessThanOrEqual(snapshotBytes);

    await store.createLink(link(1000)); // And changes after a compaction are journaled again.
    await store.close();
    const expected = store.snapshot();
    expect(openStore(dir).snapshot()).toEqual(expected);
  });

  it('reopens to the same state after a crash between writing the snapshot and emptying the journal', async () => {
    const dir = tmp();
    const files = stateFiles(dir);
    const store = openStore(dir);
    await store.createSession(session);
    await store.createLink(link(1));
    await store.createLink(link(2));
    await store.admitGuest({ linkTokenHash: link(1).tokenHash, guest, maxGuests: null, now: 1700 });
    await store.markGuestLeft(guest.id, 1800);
    await store.deleteRecords({ guests: [guest.id] });
    await store.deleteRecords({ links: [link(2).tokenHash] });
    await store.close();
    const expected = store.snapshot();
    // The first half of a compaction: the snapshot is written, the journal still holds every change.
    writeStateFile(files.snapshot, expected);
    expect(journalLines(dir)).toHaveLength(7);

    const logs: string[] = [];
    expect(openStore(dir, { log: (l) => logs.push(l) }).snapshot()).toEqual(expected);
    expect(logs).toEqual([]);
  });

  it('writes a few hundred bytes for a change to a large state, and leaves state.json alone', async () => {
    const dir = tmp();
    const files = stateFiles(dir);
    const first = openStore(dir);
    await first.createHostInvite({ session, links: Array.from({ length: 5000 }, (_, n) => link(n)), invite }, 1500);
    await first.close();
    const store = openStore(dir); // Compacts: the 5,000 links are in state.json.
    expect(sizeOf(files.journal)).toBe(0);
    const snapshot = fs.statSync(files.snapshot);
    expect(snapshot.size).toBeGreaterThan(800_000); // What every change used to rewrite.

    await store.createLink(link(5000));
    const onePut = sizeOf(files.journal);
    expect(onePut).toBeLessThan(400);
    for (let n = 5001; n < 5011; n += 1) await store.createLink(link(n));
    expect(sizeOf(files.journal)).toBeLessThan(11 * 400); // Grows with the changes, not with the state.
    const after = fs.statSync(files.snapshot);
    expect([after.ino, after.size, after.mtimeMs]).toEqual([snapshot.ino, snapshot.size, snapshot.mtimeMs]);
    await store.close();
    expect(await openStore(dir).allLinks()).toHaveLength(5011);
  });

  it('has a change on disk when its call resolves', async () => {
    const dir = tmp();
    const store = openStore(dir);
    await store.createSession(session);
    expect(readPersistedState(dir).snapshot.sessions).toEqual([session]);
    await store.endSession(session.id, 'expired', 1900);
    expect(readPersistedState(dir).snapshot.sessions).toEqual([{ ...session, endedAt: 1900, endReason: 'expired' }]);
  });

  it('commits changes that arrive together in one or a few syncs, each durable when its call resolves', async () => {
    const dir = tmp();
    const files = stateFiles(dir);
    const journal = new Journal(files.journal, files.snapshot, 0, 64 * 1024 * 1024);
    const store = new MemoryStore(undefined, journal);
    stores.push(store);
    await store.createSession(session);
    const before = journal.syncs;
    const resolved: number[] = [];
    await Promise.all(Array.from({ length: 1000 }, (_, n) => store.createLink(link(n)).then(() => {
      // Durable: the line is in the file already.
      resolved.push(n);
    })));
    expect(resolved).toHaveLength(1000);
    expect(journal.syncs - before).toBeLessThanOrEqual(2);
    expect(journalLines(dir)).toHaveLength(1001);
    // A change made while a group is syncing waits for the next group.
    const first = store.createLink(link(2000));
    await new Promise((resolve) => setImmediate(resolve));
    const second = store.createLink(link(2001));
    await Promise.all([first, second]);
    expect(journal.syncs - before).toBeLessThanOrEqual(4);
    expect(readPersistedState(dir).snapshot.links).toHaveLength(1002);
  });

  it('compacts without holding up the event loop, and a crash mid-way leaves a readable state', async () => {
    const dir = tmp();
    const files = stateFiles(dir);
    const store = openStore(dir, { compactMinBytes: 4096 });
    const links = Array.from({ length: 6000 }, (_, n) => link(n));
    await store.createHostInvite({ session, links, invite }, 1500);
    // The journal line is whole on disk; a reader now (as after a crash) sees every link.
    expect(readPersistedState(dir).snapshot.links).toHaveLength(6000);
    let turns = 0;
    const ticker = setInterval(() => { turns += 1; }, 1);
    await store.settled();
    clearInterval(ticker);
    expect(turns).toBeGreaterThan(0); // Timers ran while the snapshot was written.
    expect(sizeOf(files.journal)).toBe(0);
    expect(readStateFile(files.snapshot).snapshot).toEqual(store.snapshot());
  });

  it('closes its file once, and refuses to write after', async () => {
    const dir = tmp();
    const files = stateFiles(dir);
    const journal = new Journal(files.journal, files.snapshot, 0, 1024);
    await journal.close();
    await journal.close();
    await expect(journal.write({ put: { sessions: [session] }, delete: {} }, () => readStateFile(files.snapshot).snapshot))
      .rejects.toThrow(`journal ${files.journal} is closed`);
  });
});
