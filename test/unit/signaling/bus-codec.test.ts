import { describe, expect, it } from 'vitest';
import { decodeDelivery, encodeDelivery } from '../../../signaling/bus/bus-codec.js';

describe('bus envelope', () => {
  it('refuses what is not a delivery: another version, unknown op or role, a bad guest id, a bad close code, broken UTF-8', () => {
    const good = encodeDelivery({ op: 'send', to: { role: 'guest', guestId: 'Guest_0001' }, lane: 'signaling', text: 'hi' });
    expect(decodeDelivery(good)).toEqual({ op: 'send', to: { role: 'guest', guestId: 'Guest_0001' }, lane: 'signaling', text: 'hi' });
    const tweak = (at: number, value: number) => { const b = Buffer.from(good); b[at] = value; return b; };
    for (const bad of [tweak(0, 2), tweak(1, 9), tweak(2, 0), tweak(4, 200), tweak(5, 0x2f)]) expect(decodeDelivery(bad)).toBeNull();
    const close = encodeDelivery({ op: 'close', to: { role: 'host' }, lane: 'signaling', code: 1000, reason: 'bye' });
    const badCode = Buffer.from(close);
    badCode.writeUInt16BE(42, 6);
    expect(decodeDelivery(badCode)).toBeNull();
    expect(decodeDelivery(Buffer.concat([encodeDelivery({ op: 'send', to: { role: 'host' }, lane: 'signaling', text: '' }), Buffer.from([0xff, 0xfe])]))).toBeNull();
  });

  it('carries the holder a delivery is meant for, and refuses a malformed one or one given to every guest', () => {
    const to = { role: 'guest', guestId: 'Guest_0001', holder: 'server_A/42' } as const;
    const close = { op: 'close', to, lane: 'relay', code: 4000, reason: 'replaced' } as const;
    expect(decodeDelivery(encodeDelivery(close))).toEqual(close);
    const host = { op: 'send', to: { role: 'host', holder: 'B/7' }, lane: 'signaling', text: '{}' } as const;
    expect(decodeDelivery(encodeDelivery(host))).toEqual(host);
    const bad = Buffer.from(encodeDelivery(host));
    bad[7] = 0x20; // 'B/ 7'
    expect(decodeDelivery(bad)).toBeNull();
    const forEveryone = encodeDelivery({ op: 'send', to: { role: 'guests' }, lane: 'signaling', text: '' });
    expect(decodeDelivery(Buffer.concat([forEveryone.subarray(0, 5), Buffer.from([3, 0x42, 0x2f, 0x37]), forEveryone.subarray(6)]))).toBeNull();
  });

  it('never throws on 20,000 pseudo-random inputs (a fixed seed), and what it accepts re-encodes to the same bytes', () => {
    let state = 0x2545f491;
    const next = () => {
      state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
      return state >>> 0;
    };
    for (let i = 0; i < 20_000; i++) {
      const bytes = Buffer.from(Array.from({ length: 1 + (i % 64) }, () => next() & 0xff));
      if (i % 2 === 0) bytes[0] = 1;
      if (i % 4 === 0 && bytes.length > 4) bytes[4] = Math.min(bytes[4]!, 12);
      if (i % 3 === 0) bytes[0] = 1;
      const decoded = decodeDelivery(bytes);
      if (decoded && decoded.op !== 'close') expect(Buffer.compare(encodeDelivery(decoded), bytes)).toBe(0);
    }
  });
});
