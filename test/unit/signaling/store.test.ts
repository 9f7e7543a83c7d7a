import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openFileStore } from '../../../signaling/state/file-store.js';
import { JOURNAL_FILE_NAME } from '../../../signaling/state/journal.js';
import {
  STATE_VERSION, type GuestStoreRecord, type HostInviteRecord, type LinkRecord, type SessionRecord, type StoreSnapshot,
} from '../../../signaling/state/records.js';
import { readStateFile, STATE_FILE_NAME, writeStateFile } from '../../../signaling/state/state-file.js';
import { MemoryStore, type ChangeSet } from '../../../signaling/state/store.js';
import { hashToken } from '../../../signaling/tokens.js';

const dirs: string[] = [];
const stores: MemoryStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
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
  it('persists the changes of every change, and of each batch at once', () => {
    const writes: ChangeSet[] = [];
    const snapshots: StoreSnapshot[] = [];
    let closed = 0;
    const store = new MemoryStore(undefined, {
      write: (changes, snapshot) => { writes.push(changes); snapshots.push(snapshot()); },
      close: () => { closed += 1; },
    });
    store.putSession(session);
    expect(writes).toEqual([{ put: { sessions: [session] }, delete: {} }]);
    const result = store.batch(() => {
      store.putLink(link);
      store.putSession({ ...session, guestSeq: 1 });
      store.putSession({ ...session, guestSeq: 2 });
      store.putGuest(guest);
      store.deleteGuest(guest.id);
      return 'done';
    });
    expect(result).toBe('done');
    expect(writes).toHaveLength(2);
    // Only the last change of each key.
    expect(writes[1]).toEqual({ put: { sessions: [{ ...session, guestSeq: 2 }], links: [link] }, delete: { guests: [guest.id] } });
    expect(snapshots[1]).toEqual({ version: STATE_VERSION, sessions: [{ ...session, guestSeq: 2 }], links: [link], guests: [], hostInvites: [] });
    store.deleteLink('unknown');
    expect(writes).toHaveLength(2); // Nothing changed, nothing written.
    store.close();
    store.close();
    expect(closed).toBe(1);
    store.deleteLink(link.tokenHash);
    expect(writes).toHaveLength(2); // Closed: no more writes.
  });

  it('finds hosting invites by any of their claim tokens and by join code, following changes', () => {
    const store = new MemoryStore();
    store.putHostInvite(invite);
    expect(store.findHostInviteByToken(hashToken('claim-token-123456'))).toEqual(invite);
    const more = { ...invite, tokenHashes: [invite.tokenHashes[0]!, hashToken('from-code-123456')] };
    store.putHostInvite(more);
    expect(store.findHostInviteByToken(hashToken('from-code-123456'))).toEqual(more);
    const fewer = { ...invite, tokenHashes: [hashToken('from-code-123456')] };
    store.putHostInvite(fewer);
    expect(store.findHostInviteByToken(hashToken('claim-token-123456'))).toBeUndefined();
    expect(store.findHostInvitesByJoinCode(hashToken('ABCDEFGH'))).toEqual([fewer]);
    store.deleteHostInvite(invite.id);
    expect(store.findHostInviteByToken(hashToken('from-code-123456'))).toBeUndefined();
    expect(store.allHostInvites()).toEqual([]);
  });

  it('keeps copies: changing a record given to it changes nothing', () => {
    const store = new MemoryStore();
    const record = { ...session };
    store.putSession(record);
    record.hostName = 'Mallory';
    expect(store.getSession(session.id)?.hostName).toBe('Ada');
  });
});

describe('state file', () => {
  it('round-trips through a file store, written atomically', () => {
    const dir = tmp();
    const store = openStore(dir);
    store.putSession(session);
    store.putLink(link);
    store.putGuest(guest);
    store.putHostInvite(invite);
    store.close();
    // No temporary file left behind.
    expect(fs.readdirSync(dir).filter((f) => f !== STATE_FILE_NAME && f !== JOURNAL_FILE_NAME)).toEqual([]);
    const again = openStore(dir);
    expect(again.getSession(session.id)).toEqual(session);
    expect(again.getLink(link.tokenHash)).toEqual(link);
    expect(again.getGuest(guest.id)).toEqual(guest);
    expect(again.findHostInviteByToken(invite.tokenHashes[0]!)).toEqual(invite);
  });

  it('removes the temporary file a process killed mid-write left behind, and nothing else', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, `.${STATE_FILE_NAME}.4242.tmp`), '{"version":1,"sess');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'kept');
    openStore(dir).close();
    expect(fs.readdirSync(dir).sort()).toEqual(['notes.txt', JOURNAL_FILE_NAME]);
  });

  it('creates the data dir and reads a missing file as empty', () => {
    const dir = path.join(tmp(), 'a', 'b');
    const store = openStore(dir);
    expect(store.allSessions()).toEqual([]);
    expect(fs.existsSync(dir)).toBe(true);
  });

  it('drops malformed records with a log line, keeps the rest', () => {
    const dir = tmp();
    const file = path.join(dir, 'state.json');
    fs.writeFileSync(file, JSON.stringify({ version: STATE_VERSION, sessions: [session, { id: 'x' }], links: [link, null] }));
    const lines: string[] = [];
    const store = openStore(dir, (l) => lines.push(l));
    expect(store.allSessions()).toEqual([session]);
    expect(store.allLinks()).toEqual([link]);
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
    expect(store.allGuests()).toEqual([guest]);
    expect(store.allHostInvites()).toEqual([invite]);
    expect(lines).toHaveLength(1);
  });

  it('reads records written before public links and removals existed, with their defaults', () => {
    const dir = tmp();
    const { publicLinkToken: _p, removedGuestIds: _r, ...oldSession } = session;
    const { kind: _k, revokedAt: _v, ...oldLink } = link;
    fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ version: STATE_VERSION, sessions: [oldSession], links: [oldLink] }));
    const lines: string[] = [];
    const store = openStore(dir, (l) => lines.push(l));
    expect(store.getSession(session.id)).toEqual(session);
    expect(store.getLink(link.tokenHash)).toEqual(link);
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
    expect(store.allSessions()).toEqual([withPublic]);
    expect(store.allLinks()).toEqual([publicLink]);
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
