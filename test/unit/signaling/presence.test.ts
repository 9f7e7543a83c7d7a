import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerToGuest, ServerToHost } from '../../../src/protocol/index.js';
import { GuestService } from '../../../signaling/guests.js';
import { SessionService } from '../../../signaling/sessions.js';
import { LinkService } from '../../../signaling/links.js';
import { MemoryStore } from '../../../signaling/state/memory-store.js';
import type { Client } from '../../../signaling/ws/client.js';
import { endRoom } from '../../../signaling/ws/end-room.js';
import { Presence } from '../../../signaling/ws/presence.js';
import { Rooms } from '../../../signaling/ws/rooms.js';

beforeEach(() => {
  // Immediates stay real: sessions are ended on the turn after their grace runs out.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});

/** Lets the ends started by timers run. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
afterEach(() => {
  vi.useRealTimers();
});

function fakeClient<T extends ServerToHost | ServerToGuest>() {
  const sent: T[] = [];
  const client = { send: (m: T) => sent.push(m), close: () => {} } as unknown as Client<T>;
  return { client, sent };
}

/** Admits a guest through a new one-time link. */
async function admit(store: MemoryStore, guests: GuestService, sessionId: string, name: string) {
  const link = await new LinkService({ store, linkTtlSeconds: 60, publicUrl: 'https://co.example' }).create(sessionId);
  const admission = await guests.admit(link.url.split('/').pop()!, name);
  if (!admission.ok) throw new Error(admission.error.message);
  return admission;
}

async function setup(awaitsClaim: (id: string) => Promise<boolean> = async () => false) {
  const store = new MemoryStore();
  const rooms = new Rooms();
  let presence: Presence | undefined;
  const sessions = new SessionService({
    store, sessionMaxSeconds: 3600, countGuests: (id) => rooms.guestCount(id), log: () => {},
    onEnded: (id, reason) => {
      presence?.sessionEnded(id);
      endRoom(rooms, id, reason);
    },
  });
  const guests = new GuestService({ store, sessions });
  presence = new Presence({ rooms, sessions, guests, store, hostGraceMs: 3000, guestGraceMs: 1000, awaitsClaim, log: () => {} });
  const { session } = await sessions.create({ hostName: 'Ada', hostEmail: '', isReplay: false, origin: '' });
  return { store, rooms, sessions, guests, presence, session };
}

describe('Presence', () => {
  it('lets an away guest go after the guest grace, telling the host once', async () => {
    const { rooms, guests, presence, session, store } = await setup();
    const host = fakeClient<ServerToHost>();
    rooms.setHost(session.id, host.client);
    const { record } = await admit(store, guests, session.id, 'Bea');
    rooms.addGuest(session.id, { record, client: null });
    presence.guestAway(session.id, record.id);
    await vi.advanceTimersByTimeAsync(999);
    expect(rooms.guestCount(session.id)).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(rooms.guestCount(session.id)).toBe(0);
    expect(host.sent).toEqual([{ type: 'guest-left', guestId: record.id }]);
    expect((await store.getGuest(record.id))?.leftAt).toEqual(expect.any(Number));
  });

  it('keeps a guest that came back (it has a socket again) or was forgotten', async () => {
    const { rooms, guests, presence, session, store } = await setup();
    const { record } = await admit(store, guests, session.id, 'Bea');
    rooms.addGuest(session.id, { record, client: null });
    presence.guestAway(session.id, record.id);
    rooms.attachGuest(session.id, record.id, fakeClient<ServerToGuest>().client);
    await vi.advanceTimersByTimeAsync(5000);
    expect(rooms.guestCount(session.id)).toBe(1);
  });

  it('ends a session whose host does not come back, and not one whose host did', async () => {
    const { presence, session, sessions } = await setup();
    const other = (await sessions.create({ hostName: 'Cy', hostEmail: '', isReplay: false, origin: '' })).session;
    presence.hostAway(session.id);
    presence.hostAway(other.id);
    await vi.advanceTimersByTimeAsync(1000);
    presence.hostBack(other.id);
    await vi.advanceTimersByTimeAsync(2000);
    await nextTurn();
    expect(await sessions.get(session.id)).toMatchObject({ endReason: 'host-ended' });
    expect((await sessions.get(other.id))?.endedAt).toBeNull();
  });

  it('restores away guests and hosts after a restart, except unclaimed invitations and replays', async () => {
    const first = await setup();
    const { record } = await admit(first.store, first.guests, first.session.id, 'Bea');
    const unclaimed = (await first.sessions.create({ hostName: 'Bob', hostEmail: '', isReplay: false, origin: '' })).session;
    const replay = (await first.sessions.create({ hostName: 'Rae', hostEmail: '', isReplay: true, origin: '' })).session;
    first.sessions.close();

    // A second server on the same state.
    const store = new MemoryStore(first.store.snapshot());
    const rooms = new Rooms();
    const sessions = new SessionService({ store, sessionMaxSeconds: 3600, countGuests: () => 0, onEnded: () => {}, log: () => {} });
    const guests = new GuestService({ store, sessions });
    const presence = new Presence({
      rooms, sessions, guests, store, hostGraceMs: 3000, guestGraceMs: 1000, awaitsClaim: async (id) => id === unclaimed.id, log: () => {},
    });
    await presence.restore();
    expect(rooms.guests(first.session.id)).toEqual([record]);
    expect(rooms.guest(first.session.id, record.id)?.client).toBeNull();
    await vi.advanceTimersByTimeAsync(1000);
    expect(rooms.guests(first.session.id)).toEqual([]);
    await vi.advanceTimersByTimeAsync(2000);
    await nextTurn();
    expect((await sessions.get(first.session.id))?.endReason).toBe('host-ended');
    expect((await sessions.get(unclaimed.id))?.endedAt).toBeNull();
    expect((await sessions.get(replay.id))?.endedAt).toBeNull();
  });

  it('starts nothing once closed, and forgets the timers of an ended session', async () => {
    const { rooms, guests, presence, session, sessions, store } = await setup();
    const { record } = await admit(store, guests, session.id, 'Bea');
    rooms.addGuest(session.id, { record, client: null });
    presence.guestAway(session.id, record.id);
    await sessions.end(session.id, 'expired');
    expect(vi.getTimerCount()).toBe(0);
    presence.close();
    presence.hostAway(session.id);
    expect(vi.getTimerCount()).toBe(0);
  });
});
