import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingFiles } from '../../../signaling/replay/recording-files.js';
import { REPLAY_RECORD_VERSION, type ReplayRecord } from '../../../signaling/replay/replay-record.js';
import { openFileStore } from '../../../signaling/state/file-store.js';
import { JOURNAL_FILE_NAME } from '../../../signaling/state/journal.js';
import {
  STATE_VERSION, type GuestStoreRecord, type HostInviteRecord, type LinkRecord, type SessionRecord, type StoreSnapshot,
} from '../../../signaling/state/records.js';
import { readStateFile, STATE_FILE_NAME, writeStateFile } from '../../../signaling/state/state-file.js';
import { MemoryStore } from '../../../signaling/state/memory-store.js';
import type { ChangeSet } from '../../../signaling/state/store.js';
import { hashToken } from '../../../signaling/tokens.js';

const dirs: string[] = [];
const stores: MemoryStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function openStore(dir: string, log: (line: string) => void = () => {}): MemoryStore {
  const store = openFileStore(dir, log);
  stores.push(store);
  return store;
}
function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cwmn-store-'));
  dirs.push(dir);
  return dir;
}

const session: SessionRecord = {
  id: 'session-1', isReplay: false, hostName: 'Ada', hostEmail: '', origin: 'https://a.example',
  hostTokenHash: hashToken('host-token-123456'), startedAt: 1000, expiresAt: 2000, endedAt: null, endReason: null, guestSeq: 0,
  publicLinkToken: null, removedGuestIds: [],
};
const link: LinkRecord = {
  tokenHash: hashToken('link-token-123456'), sessionId: 'session-1', kind: 'private', createdAt: 1000, expiresAt: 5000, usedAt: null, revokedAt: null,
};

const guest: GuestStoreRecord = {
  id: 'guest-1', sessionId: 'session-1', name: 'Bea', joinedAt: 1500, resumeTokenHash: hashToken('resume-token-123456'), leftAt: null,
};
const invite: HostInviteRecord = {
  id: 'invite-1', sessionId: 'session-1', url: 'https://a.example/start', tokenHashes: [hashToken('claim-token-123456')],
  joinCodeHash: hashToken('ABCDEFGH'), createdAt: 1000, expiresAt: 2000, claimedAt: null, revokedAt: null,
};

describe('MemoryStore', () => {
  it('persists each operation as one change set, in order, and nothing once closed', async () => {
    const writes: ChangeSet[] = [];
    const snapshots: StoreSnapshot[] = [];
    let closed = 0;
    const store = new MemoryStore(undefined, {
      write: async (changes, snapshot) => { writes.push(changes); snapshots.push(snapshot()); },
      close: async () => { closed += 1; },
    });
    await store.createSession(session);
    expect(writes).toEqual([{ put: { sessions: [session] }, delete: {} }]);
    await store.createHostInvite({ session: { ...session, id: 'session-2' }, links: [link], invite: { ...invite, sessionId: 'session-2' } }, 1500);
    expect(writes).toHaveLength(2);
    expect(writes[1]).toEqual({
      put: { sessions: [{ ...session, id: 'session-2' }], links: [link], hostInvites: [{ ...invite, sessionId: 'session-2' }] }, delete: {},
    });
    expect(snapshots[1]).toMatchObject({ version: STATE_VERSION, sessions: [session, { id: 'session-2' }], links: [link] });
    await store.deleteRecords({ links: ['unknown'], guests: [] });
    expect(writes).toHaveLength(2); // Nothing changed, nothing written.
    await store.deleteRecords({ links: [link.tokenHash, 'unknown'] });
    expect(writes[2]).toEqual({ put: {}, delete: { links: [link.tokenHash] } });
    await store.close();
    await store.close();
    expect(closed).toBe(1);
    await store.endSession(session.id, 'host-ended', 1600);
    expect(writes).toHaveLength(3); // Closed: no more writes.
  });

  it('rejects an operation whose change could not be persisted', async () => {
    const store = new MemoryStore(undefined, { write: async () => { throw new Error('disk full'); } });
    await expect(store.createSession(session)).rejects.toThrow('disk full');
  });

  it('finds hosting invites by any of their claim tokens and by join code, following changes', async () => {
    const store = new MemoryStore({ sessions: [session] });
    await store.createHostInvite({ session: { ...session, id: 'session-2' }, links: [], invite }, 1500);
    expect(await store.findHostInviteByToken(hashToken('claim-token-123456'))).toEqual(invite);
    const more = await store.addHostInviteToken(invite.id, hashToken('from-code-123456'), 4, 1500);
    expect(more).toMatchObject({ ok: true, invite: { tokenHashes: [invite.tokenHashes[0], hashToken('from-code-123456')] } });
    expect(await store.findHostInviteByToken(hashToken('from-code-123456'))).toMatchObject({ id: invite.id });
    // Keeping none of the code's earlier tokens drops the first one added, never the host link's.
    await store.addHostInviteToken(invite.id, hashToken('from-code-234567'), 0, 1500);
    expect(await store.findHostInviteByToken(hashToken('from-code-123456'))).toBeUndefined();
    expect(await store.findHostInviteByToken(hashToken('claim-token-123456'))).toMatchObject({ id: invite.id });
    expect(await store.findHostInvitesByJoinCode(hashToken('ABCDEFGH'))).toMatchObject([{ id: invite.id }]);
    expect(await store.sessionHostInvites('session-1')).toMatchObject([{ id: invite.id }]);
    await store.deleteRecords({ hostInvites: [invite.id] });
    expect(await store.findHostInviteByToken(hashToken('claim-token-123456'))).toBeUndefined();
    expect(await store.allHostInvites()).toEqual([]);
  });

  it('keeps copies: changing a record given to it changes nothing', async () => {
    const store = new MemoryStore();
    const record = { ...session, removedGuestIds: [] as string[] };
    await store.createSession(record);
    record.hostName = 'Mallory';
    record.removedGuestIds.push('guest-9');
    expect(await store.getSession(session.id)).toEqual(session);
  });
});

describe('state file', () => {
  it('round-trips through a file store, written atomically', async () => {
    const dir = tmp();
    const store = openStore(dir);
    await store.createSession(session);
    await store.createLink(link);
    await store.createHostInvite({ session: { ...session, id: 'session-2' }, links: [], invite }, 1500);
    await store.admitGuest({ linkTokenHash: link.tokenHash, guest, maxGuests: null, now: 1500 });
    await store.close();
    // No temporary file left behind.
    expect(fs.readdirSync(dir).filter((f) => f !== STATE_FILE_NAME && f !== JOURNAL_FILE_NAME)).toEqual([]);
    const again = openStore(dir);
    expect(again.snapshot()).toEqual(store.snapshot());
    expect(await again.getSession(session.id)).toEqual({ ...session, guestSeq: 1 });
    expect(await again.getLink(link.tokenHash)).toEqual({ ...link, usedAt: 1500 });
    expect(await again.getGuest(guest.id)).toEqual(guest);
    expect(await again.findHostInviteByToken(invite.tokenHashes[0]!)).toEqual(invite);
  });

  it('removes the temporary file a process killed mid-write left behind, and nothing else', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, `.${STATE_FILE_NAME}.4242.tmp`), '{"version":1,"sess');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'kept');
    await openStore(dir).close();
    expect(fs.readdirSync(dir).sort()).toEqual(['notes.txt', JOURNAL_FILE_NAME]);
  });

  it('creates the data dir and reads a missing file as empty', async () => {
    const dir = path.join(tmp(), 'a', 'b');
    const store = openStore(dir);
    expect(await store.allSessions()).toEqual([]);
    expect(fs.existsSync(dir)).toBe(true);
  });

  it('drops malformed records with a log line, keeps the rest', () => {
    const dir = tmp();
    const file = path.join(dir, 'state.json');
    fs.writeFileSync(file, JSON.stringify({ version: STATE_VERSION, sessions: [session, { id: 'x' }], links: [link, null] }));
    const lines: string[] = [];
    const store = openStore(dir, (l) => lines.push(l));
    expect(store.snapshot()).toMatchObject({ sessions: [session], links: [link] });
    expect(lines).toEqual([`state: dropped 2 malformed record(s) from ${file}`]);
  });

  it('reads a file written before guests and hosting invites were stored, and drops malformed ones', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ version: STATE_VERSION, sessions: [session], links: [] }));
    expect(openStore(dir).snapshot()).toEqual({ version: STATE_VERSION, sessions: [session], links: [], guests: [], hostInvites: [] });
    const lines: string[] = [];
    fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({
      version: STATE_VERSION, sessions: [], links: [],
      guests: [guest, { ...guest, id: 'guest-2', resumeTokenHash: 'clear-token' }],
      hostInvites: [invite, { ...invite, id: 'invite-2', tokenHashes: [] }],
    }));
    const store = openStore(dir, (l) => lines.push(l));
    expect(store.snapshot()).toMatchObject({ guests: [guest], hostInvites: [invite] });
    expect(lines).toHaveLength(1);
  });

  it('reads records written before public links and removals existed, with their defaults', () => {
    const dir = tmp();
    const { publicLinkToken: _p, removedGuestIds: _r, ...oldSession } = session;
    const { kind: _k, revokedAt: _v, ...oldLink } = link;
    fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ version: STATE_VERSION, sessions: [oldSession], links: [oldLink] }));
    const lines: string[] = [];
    const store = openStore(dir, (l) => lines.push(l));
    expect(store.snapshot()).toMatchObject({ sessions: [session], links: [link] });
    expect(lines).toEqual([]);
  });

  it('keeps the public link token and removed guests, and drops records with bad ones', () => {
    const dir = tmp();
    const withPublic = { ...session, publicLinkToken: 'P'.repeat(32), removedGuestIds: ['guest-123'] };
    const publicLink: LinkRecord = { ...link, tokenHash: hashToken('P'.repeat(32)), kind: 'public', revokedAt: 1500 };
    const badSession = { ...session, id: 'session-2', publicLinkToken: 'not a token!' };
    const badLink = { ...link, tokenHash: hashToken('x'.repeat(20)), kind: 'reusable' };
    fs.writeFileSync(path.join(dir, 'state.json'),
      JSON.stringify({ version: STATE_VERSION, sessions: [withPublic, badSession], links: [publicLink, badLink] }));
    const store = openStore(dir);
    expect(store.snapshot()).toMatchObject({ sessions: [withPublic], links: [publicLink] });
  });

  it('refuses a file that is not a state file, saying which file', () => {
    const dir = tmp();
    const file = path.join(dir, 'state.json');
    fs.writeFileSync(file, '{"version":99,"sessions":[],"links":[]}');
    expect(() => readStateFile(file)).toThrow(`${file} is not a cwmn state file of version 1`);
    fs.writeFileSync(file, 'garbage');
    expect(() => readStateFile(file)).toThrow(/is not valid JSON/);
  });

  it('replaces the old file whole', () => {
    const dir = tmp();
    const file = path.join(dir, 'state.json');
    writeStateFile(file, { version: STATE_VERSION, sessions: [session], links: [], guests: [], hostInvites: [] });
    writeStateFile(file, { version: STATE_VERSION, sessions: [], links: [link], guests: [], hostInvites: [] });
    expect(readStateFile(file).snapshot).toEqual({ version: STATE_VERSION, sessions: [], links: [link], guests: [], hostInvites: [] });
    expect(fs.readdirSync(dir)).toEqual(['state.json']);
  });
});

describe('replay files', () => {
  const replay = (sessionId: string): ReplayRecord => ({
    version: REPLAY_RECORD_VERSION, sessionId, hostTokenHash: hashToken('host-token-123456'), hostName: 'Ada', state: 'recording',
    createdAt: 1000, expiresAt: 2000, finishedAt: null, endedAt: null, audioSegments: [], error: null, videoToken: null,
    videoExpiresAt: null, mail: null,
  });

  it('keeps each replay in its replay.json across a restart, with what a recording had uploaded counted again from its files', async () => {
    const dir = tmp();
    const store = openStore(dir);
    await store.replays.createReplay(replay('replay-recording'));
    await store.replays.changeReplay('replay-recording', { kind: 'audio-segment', segment: { segment: 0, startedAt: 1200 } });
    await store.replays.addReplaySeq('replay-recording', 0);
    await store.replays.countReplayUpload('replay-recording', 5, 1000, 1300);
    await store.replays.createReplay(replay('replay-complete'));
    for (const change of [{ kind: 'finish', at: 1500, endedAt: null }, { kind: 'render' }] as const) await store.replays.changeReplay('replay-complete', change);
    const complete = await store.replays.changeReplay('replay-complete', { kind: 'complete', videoToken: 'video-token-1234567890', videoExpiresAt: 9000 });
    await store.replays.createReplay(replay('replay-abandoned'));
    await store.replays.deleteReplay('replay-abandoned');
    await store.close();
    const files = new RecordingFiles(path.join(dir, 'replays', 'replay-recording'));
    await files.appendEvents(0, []);
    await files.appendEvents(4, []);
    fs.mkdirSync(path.join(dir, 'replays', 'not-a-replay'));
    fs.writeFileSync(path.join(dir, 'replays', 'not-a-replay', 'replay.json'), '{"version":1}');

    const again = openStore(dir);
    expect(await again.replays.getReplay('replay-recording')).toMatchObject({ state: 'recording', audioSegments: [{ segment: 0, startedAt: 1200 }] });
    expect(await again.replays.findReplayByVideoToken('video-token-1234567890')).toEqual(complete);
    expect((await again.replays.allReplays()).map((r) => r.sessionId).sort()).toEqual(['replay-complete', 'replay-recording']);
    expect([await again.replays.addReplaySeq('replay-recording', 4), await again.replays.addReplaySeq('replay-recording', 5)]).toEqual([false, true]);
    expect(await again.replays.replayUploads('replay-recording')).toEqual({ bytes: files.size(), lastAt: null });
    await again.replays.deleteReplay('replay-complete');
    expect(fs.existsSync(path.join(dir, 'replays', 'replay-complete', 'replay.json'))).toBe(false);
  });
});
