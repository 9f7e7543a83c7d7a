import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerToGuest, ServerToHost } from '../../../src/protocol/index.js';
import { GuestService } from '../../../signaling/guests.js';
import { SessionService } from '../../../signaling/sessions.js';
import { MemoryStore } from '../../../signaling/state/store.js';
import type { Client } from '../../../signaling/ws/client.js';
import { endRoom } from '../../../signaling/ws/end-room.js';
import { Presence } from '../../../signaling/ws/presence.js';
import { Rooms } from '../../../signaling/ws/rooms.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function fakeClient<T extends ServerToHost | ServerToGuest>() {
  const sent: T[] = [];
  const client = { send: (m: T) => sent.push(m), close: () => {} } as unknown as Client<T>;
  return { client, sent };
}

function setup(awaitsClaim: (id: string) => boolean = () => false) {
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
  const { session } = sessions.create({ hostName: 'Ada', hostEmail: '', isReplay: false, origin: '' });
  return { store, rooms, sessions, guests, presence, session };
}

describe('Presence', () => {
  it('lets an away guest go after the guest grace, telling the host once', () => {
    const { rooms, guests, presence, session, store } = setup();
    const host = fakeClient<ServerToHost>();
    rooms.setHost(session.id, host.client);
    const { record } = guests.admit(session, 'Bea');
    rooms.addGuest(session.id, { record, client: null });
    presence.guestAway(session.id, record.id);
    vi.advanceTimersByTime(999);
    expect(rooms.guestCount(session.id)).toBe(1);
    vi.advanceTimersByTime(1);
    expect(rooms.guestCount(session.id)).toBe(0);
    expect(host.sent).toEqual([{ type: 'guest-left', guestId: record.id }]);
    expect(store.getGuest(record.id)?.leftAt).toEqual(expect.any(Number));
  });

  it('keeps a guest that came back (it has a socket again) or was forgotten', () => {
    const { rooms, guests, presence, session } = setup();
    const { record } = guests.admit(session, 'Bea');
    rooms.addGuest(session.id, { record, client: null });
    presence.guestAway(session.id, record.id);
    rooms.attachGuest(session.id, record.id, fakeClient<ServerToGuest>().client);
    vi.advanceTimersByTime(5000);
    expect(rooms.guestCount(session.id)).toBe(1);
  });

  it('ends a session whose host does not come back, and not one whose host did', () => {
    const { presence, session, sessions } = setup();
    const other = sessions.create({ hostName: 'Cy', hostEmail: '', isReplay: false, origin: '' }).session;
    presence.hostAway(session.id);
    presence.hostAway(other.id);
    vi.advanceTimersByTime(1000);
    presence.hostBack(other.id);
    vi.advanceTimersByTime(2000);
    expect(sessions.get(session.id)).toMatchObject({ endReason: 'host-ended' });
    expect(sessions.get(other.id)?.endedAt).toBeNull();
  });

  it('restores away guests and hosts after a restart, except unclaimed invitations and replays', () => {
    const first = setup();
    const { record } = first.guests.admit(first.session, 'Bea');
    const unclaimed = first.sessions.create({ hostName: 'Bob', hostEmail: '', isReplay: false, origin: '' }).session;
    const replay = first.sessions.create({ hostName: 'Rae', hostEmail: '', isReplay: true, origin: '' }).session;
    first.sessions.close();

    // A second server on the same state.
    const store = new MemoryStore(first.store.snapshot());
    const rooms = new Rooms();
    const sessions = new SessionService({ store, sessionMaxSeconds: 3600, countGuests: () => 0, onEnded: () => {}, log: () => {} });
    const guests = new GuestService({ store, sessions });
    const presence = new Presence({
      rooms, sessions, guests, store, hostGraceMs: 3000, guestGraceMs: 1000, awaitsClaim: (id) => id === unclaimed.id, log: () => {},
    });
    presence.restore();
    expect(rooms.guests(first.session.id)).toEqual([record]);
    expect(rooms.guest(first.session.id, record.id)?.client).toBeNull();
    vi.advanceTimersByTime(1000);
    expect(rooms.guests(first.session.id)).toEqual([]);
    vi.advanceTimersByTime(2000);
    expect(sessions.get(first.session.id)?.endReason).toBe('host-ended');
    expect(sessions.get(unclaimed.id)?.endedAt).toBeNull();
    expect(sessions.get(replay.id)?.endedAt).toBeNull();
  });

  it('starts nothing once closed, and forgets the timers of an ended session', () => {
    const { rooms, guests, presence, session, sessions } = setup();
    const { record } = guests.admit(session, 'Bea');
    rooms.addGuest(session.id, { record, client: null });
    presence.guestAway(session.id, record.id);
    sessions.end(session.id, 'expired');
    expect(vi.getTimerCount()).toBe(0);
    presence.close();
    presence.hostAway(session.id);
    expect(vi.getTimerCount()).toBe(0);
  });
});
