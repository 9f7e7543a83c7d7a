import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { Heartbeat } from '../../../signaling/ws/heartbeat.js';

/** The part of a ws socket the heartbeat uses: ping, terminate, and its events. */
class FakeSocket extends EventEmitter {
  pings = 0;
  terminated = false;
  constructor(private readonly answers: boolean) {
    super();
  }
  ping(): void {
    this.pings += 1;
    if (this.answers) queueMicrotask(() => this.emit('pong'));
  }
  terminate(): void {
    if (this.terminated) return;
    this.terminated = true;
    queueMicrotask(() => this.emit('close'));
  }
}

const track = (heartbeat: Heartbeat, socket: FakeSocket) => heartbeat.track(socket as unknown as WebSocket);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Heartbeat', () => {
  it('pings every socket once per interval and drops the one that did not answer by the next ping', async () => {
    const heartbeat = new Heartbeat(1000);
    const talking = Array.from({ length: 30 }, () => new FakeSocket(true));
    const silent = new FakeSocket(false);
    for (const s of [...talking, silent]) track(heartbeat, s);
    heartbeat.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(talking.every((s) => s.pings === 1)).toBe(true);
    expect(silent.pings).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(silent.terminated).toBe(true);
    expect(talking.every((s) => !s.terminated && s.pings === 2)).toBe(true);
    expect(heartbeat.size).toBe(30); // The dropped socket's close removed it.
    heartbeat.stop();
  });

  it('gives a socket at least half an interval to answer, even when a round comes early because others closed', async () => {
    const heartbeat = new Heartbeat(1000);
    const slow = new FakeSocket(false);
    const others = Array.from({ length: 99 }, () => new FakeSocket(true));
    track(heartbeat, slow); // First in every round.
    for (const s of others) track(heartbeat, s);
    heartbeat.start();
    await vi.advanceTimersByTimeAsync(100); // The first slice pings `slow` and a few others.
    expect(slow.pings).toBe(1);
    for (const s of others) if (s.pings === 0) s.emit('close'); // The rest of the round goes away: the next starts at once.
    await vi.advanceTimersByTimeAsync(300);
    expect(slow.terminated).toBe(false); // Pinged 0.3 s ago: not yet missed.
    await vi.advanceTimersByTimeAsync(1000);
    expect(slow.terminated).toBe(true);
    heartbeat.stop();
  });
});
