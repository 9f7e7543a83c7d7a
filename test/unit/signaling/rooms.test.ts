import { describe, expect, it } from 'vitest';
import type { ServerToGuest, ServerToHost } from '../../../src/protocol/index.js';
import type { Client } from '../../../signaling/ws/client.js';
import { endRoom } from '../../../signaling/ws/end-room.js';
import { forwardToGuest, forwardToHost } from '../../../signaling/ws/signal-forwarding.js';
import { Rooms } from '../../../signaling/ws/rooms.js';

/** A client that records what it was sent and how it was closed. */
function fakeClient<T extends ServerToHost | ServerToGuest>() {
  const sent: T[] = [];
  const closes: number[] = [];
  const client = { send: (m: T) => sent.push(m), close: (code: number) => closes.push(code) } as unknown as Client<T>;
  return { client, sent, closes };
}

const guestRecord = (id: string) => ({ id, name: id, joinedAt: 1 });

describe('Rooms', () => {
  it('tracks host and guests, and drops empty rooms', () => {
    const rooms = new Rooms();
    const host = fakeClient<ServerToHost>();
    expect(rooms.setHost('s1', host.client)).toBeUndefined();
    rooms.addGuest('s1', { record: guestRecord('g1'), client: fakeClient<ServerToGuest>().client });
    expect(rooms.guests('s1')).toEqual([guestRecord('g1')]);
    expect(rooms.guestCount('s1')).toBe(1);
    expect(rooms.removeHost('s1', fakeClient<ServerToHost>().client)).toBe(false); // Not the current host.
    expect(rooms.removeHost('s1', host.client)).toBe(true);
    expect(rooms.sessionIds()).toEqual(['s1']);
    expect(rooms.removeGuest('s1', 'g1')).toBe(true);
    expect(rooms.sessionIds()).toEqual([]);
  });

  it('returns the replaced host', () => {
    const rooms = new Rooms();
    const a = fakeClient<ServerToHost>();
    const b = fakeClient<ServerToHost>();
    rooms.setHost('s1', a.client);
    expect(rooms.setHost('s1', b.client)).toBe(a.client);
    expect(rooms.removeHost('s1', a.client)).toBe(false);
    expect(rooms.host('s1')).toBe(b.client);
  });
});

describe('signal forwarding', () => {
  it('passes signals between host and guests of one session only', () => {
    const rooms = new Rooms();
    const host = fakeClient<ServerToHost>();
    const guest = fakeClient<ServerToGuest>();
    rooms.setHost('s1', host.client);
    rooms.addGuest('s1', { record: guestRecord('g1'), client: guest.client });
    const data = { candidate: null };
    expect(forwardToGuest(rooms, 's1', 'g1', data)).toBe(true);
    expect(forwardToGuest(rooms, 's2', 'g1', data)).toBe(false);
    expect(forwardToGuest(rooms, 's1', 'g2', data)).toBe(false);
    expect(forwardToHost(rooms, 's1', 'g1', data)).toBe(true);
    expect(forwardToHost(rooms, 's2', 'g1', data)).toBe(false);
    expect(guest.sent).toEqual([{ type: 'signal', data }]);
    expect(host.sent).toEqual([{ type: 'signal', from: 'g1', data }]);
  });
});

describe('endRoom', () => {
  it('tells guests and (unless it ended the session itself) the host, then closes them with 1000', () => {
    for (const reason of ['expired', 'host-ended'] as const) {
      const rooms = new Rooms();
      const host = fakeClient<ServerToHost>();
      const guest = fakeClient<ServerToGuest>();
      rooms.setHost('s1', host.client);
      rooms.addGuest('s1', { record: guestRecord('g1'), client: guest.client });
      endRoom(rooms, 's1', reason);
      expect(guest.sent).toEqual([{ type: 'session-ended', reason }]);
      expect(guest.closes).toEqual([1000]);
      expect(host.sent).toEqual(reason === 'expired' ? [{ type: 'session-ended', reason }] : []);
      expect(host.closes).toEqual([1000]);
      expect(rooms.sessionIds()).toEqual([]);
    }
  });
});
