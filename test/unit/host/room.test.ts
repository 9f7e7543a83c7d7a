import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Room } from '../../../src/host/room.js';
import type { Guest } from '../../../src/host/guest.js';

const record = (id: string) => ({ id, name: `Guest ${id}`, joinedAt: 1700000000000 });

describe('Room', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('announces joins and leaves with guest objects of the documented shape', () => {
    const room = new Room();
    const joined: Guest[] = [];
    const left: Guest[] = [];
    room.on('connected', (g) => joined.push(g));
    room.on('disconnected', (g) => left.push(g));
    room.connect(record('guest01'), false, 'direct');
    room.connect(record('guest01'), false, 'direct');
    room.movePointer('guest01', 10, 20);
    room.connect(record('guest01'), false, 'relay'); // Moved to the relay: still one guest.
    room.disconnect('guest01');
    room.disconnect('guest01');
    expect(joined).toEqual([{ id: 'guest01', name: 'Guest guest01', isHidden: false, x: null, y: null, joinedAt: 1700000000000, connection: 'direct' }]);
    expect(left).toEqual([{ id: 'guest01', name: 'Guest guest01', isHidden: false, x: 10, y: 20, joinedAt: 1700000000000, connection: 'relay' }]);
  });

  it('reports changes at most once per 16 ms and always ends with the latest state', () => {
    const room = new Room();
    const updates: Guest[][] = [];
    room.on('changed', (list) => updates.push(list));
    room.connect(record('guest01'));
    for (let i = 1; i <= 100; i++) {
      room.movePointer('guest01', i, i);
      vi.advanceTimersByTime(1);
    }
    vi.advanceTimersByTime(50);
    // 100 moves over 100 ms: the first at once, then one per 16 ms window.
    expect(updates.length).toBeGreaterThanOrEqual(6);
    expect(updates.length).toBeLessThanOrEqual(8);
    expect(updates.at(-1)![0]).toMatchObject({ x: 100, y: 100 });
  });

  it('hands out copies: callers cannot change the room', () => {
    const room = new Room();
    room.connect(record('guest01'));
    room.list()[0]!.name = 'changed';
    expect(room.get('guest01')!.name).toBe('Guest guest01');
  });
});
