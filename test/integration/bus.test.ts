// The bus between servers, the same cases for both: in memory (one process)
// and Redis pub/sub (two bus instances standing for two servers, on a real
// redis-server). Plus what only Redis has: garbage on a channel, and Redis
// restarting under the bus.

import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Bus, Delivery } from '../../signaling/bus/bus.js';
import { MemoryBus } from '../../signaling/bus/memory-bus.js';
import { RedisBus } from '../../signaling/bus/redis-bus.js';
import { startRedis, type TestRedis } from './support/redis.js';

let redis: TestRedis;
const opened: Bus[] = [];
let prefixes = 0;

beforeAll(async () => { redis = await startRedis(); });
afterEach(async () => { await Promise.all(opened.splice(0).map((b) => b.close())); });
afterAll(async () => { await redis?.stop(); });

/** Two servers' buses of one deployment. */
type Pair = () => [Bus, Bus];
const memory: Pair = () => {
  const bus = new MemoryBus();
  opened.push(bus);
  return [bus, bus];
};
const overRedis: Pair = () => {
  const prefix = `bus-test-${++prefixes}`;
  const buses = [0, 1].map(() => new RedisBus({ redisUrl: redis.url, prefix, log: () => {} })) as [RedisBus, RedisBus];
  opened.push(...buses);
  return buses;
};

function collect(bus: Bus, sessionId: string) {
  const got: Delivery[] = [];
  const listening = bus.listen(sessionId, (d) => got.push(d));
  return { got, listening };
}

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each([['in memory', memory], ['on Redis', overRedis]] as const)('bus %s', (_, pair) => {
  it('delivers to every listener of the session on every server, in publishing order, and to no other session', async () => {
    const [a, b] = pair();
    const onA = collect(a, 'session-1');
    const onB = collect(b, 'session-1');
    const other = collect(b, 'session-2');
    await Promise.all([onA.listening.ready, onB.listening.ready, other.listening.ready]);
    for (let i = 0; i < 100; i++) a.publish('session-1', { op: 'send', to: { role: 'host' }, lane: 'signaling', text: `m${i}` });
    await until(() => onA.got.length === 100 && onB.got.length === 100, '100 deliveries on both');
    const texts = (got: Delivery[]) => got.map((d) => (d.op === 'send' ? d.text : ''));
    expect(texts(onA.got)).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`));
    expect(texts(onB.got)).toEqual(texts(onA.got));
    expect(other.got).toEqual([]);
  });

  it('carries each kind of delivery whole: text, a close order, a binary frame', async () => {
    const [a, b] = pair();
    const onB = collect(b, 'session-3');
    await onB.listening.ready;
    const frame = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256);
    const sent: Delivery[] = [
      { op: 'send', to: { role: 'guest', guestId: 'Guest_0001' }, lane: 'signaling', text: '{"type":"signal","data":{"x":"é ✓ 🙂"}}' },
      { op: 'close', to: { role: 'guests' }, lane: 'relay', code: 4008, reason: 'too far behind' },
      { op: 'close', to: { role: 'host' }, lane: 'signaling', code: 1000, reason: '' },
      { op: 'frame', to: { role: 'guest', guestId: 'Guest_0002' }, bytes: frame },
    ];
    for (const d of sent) a.publish('session-3', d);
    await until(() => onB.got.length === sent.length, 'the four deliveries');
    expect(onB.got.map((d) => (d.op === 'frame' ? { ...d, bytes: [...d.bytes] } : d)))
      .toEqual(sent.map((d) => (d.op === 'frame' ? { ...d, bytes: [...d.bytes] } : d)));
  });

  it('stops delivering to a listener that stopped; the others go on', async () => {
    const [a, b] = pair();
    const first = collect(b, 'session-4');
    const second = collect(b, 'session-4');
    await Promise.all([first.listening.ready, second.listening.ready]);
    first.listening.stop();
    first.listening.stop();
    a.publish('session-4', { op: 'send', to: { role: 'guests' }, lane: 'signaling', text: 'after' });
    await until(() => second.got.length === 1, 'the delivery to the remaining listener');
    await new Promise((r) => setTimeout(r, 50));
    expect(first.got).toEqual([]);
  });
});

describe('bus on Redis only', () => {
  it('drops and counts a message that is not a delivery (another version, garbage), and delivers the next good one', async () => {
    const prefix = `bus-test-${++prefixes}`;
    const lines: string[] = [];
    const bus = new RedisBus({ redisUrl: redis.url, prefix, log: (l) => lines.push(l) });
    opened.push(bus);
    const on = collect(bus, 'session-5');
    await on.listening.ready;
    const raw = new Redis(redis.url);
    try {
      for (const junk of [Buffer.from([2, 1, 1, 0, 0, 65]), Buffer.from('garbage'), Buffer.alloc(0), Buffer.from([1, 9, 1, 0, 0])]) {
        await raw.publish(`${prefix}:session:session-5`, junk);
      }
    } finally {
      raw.disconnect();
    }
    bus.publish('session-5', { op: 'send', to: { role: 'host' }, lane: 'signaling', text: 'good' });
    await until(() => on.got.length === 1, 'the good delivery');
    expect(on.got).toEqual([{ op: 'send', to: { role: 'host' }, lane: 'signaling', text: 'good' }]);
    expect(bus.counters.dropped).toBe(4);
    expect(lines.filter((l) => l.startsWith('bus: dropped'))).toHaveLength(4);
  });

  it('rides out a Redis restart: not ready while it is down, deliveries flow again once it is back', async () => {
    const [a, b] = overRedis();
    const onB = collect(b, 'session-6');
    await onB.listening.ready;
    await a.ping();
    const answers = (bus: Bus) => Promise.race([bus.ping().then(() => true, () => false), new Promise<boolean>((r) => setTimeout(() => r(false), 500))]);
    await redis.restart(async () => {
      expect(await answers(b)).toBe(false);
    });
    // Once back, each bus reconnects and subscribes again by itself.
    const deadlineReady = Date.now() + 10_000;
    while (!(await answers(b))) if (Date.now() > deadlineReady) throw new Error('the bus did not answer again');
    let delivered = false;
    const deadline = Date.now() + 10_000;
    while (!delivered) {
      a.publish('session-6', { op: 'send', to: { role: 'host' }, lane: 'signaling', text: 'after the restart' });
      await new Promise((r) => setTimeout(r, 100));
      delivered = onB.got.some((d) => d.op === 'send' && d.text === 'after the restart');
      if (Date.now() > deadline) throw new Error('no delivery after the restart');
    }
  }, 30_000);
});
