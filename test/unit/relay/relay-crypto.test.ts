// End-to-end sealing of the relay: hellos and their MACs, keys that agree only
// between the right pair, tampering and replays refused, the group key's epochs.

import { describe, expect, it } from 'vitest';
import {
  answersHandshake, deriveKeys, GroupOpener, GroupSealer, helloBody, Lane, newHandshake, readHello, verifyHello,
} from '../../../src/relay/relay-crypto.js';

const SECRET = 'k'.repeat(43);

async function pair(secret?: string, guestId = 'guest01') {
  const guest = await newHandshake();
  const guestHello = readHello(await helloBody('guest', guestId, guest, secret))!;
  const host = await newHandshake();
  const hostHello = readHello(await helloBody('host', guestId, host, secret, guestHello))!;
  return {
    guestHello, hostHello, guest, host,
    hostKeys: await deriveKeys('host', guestId, host, guestHello, secret),
    guestKeys: await deriveKeys('guest', guestId, guest, hostHello, secret),
  };
}

describe('relay crypto', () => {
  it('host and guest derive matching keys, one per direction', async () => {
    const p = await pair(SECRET);
    const sealed = await p.hostKeys.sealer.seal(Lane.DOM, new Uint8Array([1, 2, 3]));
    const opened = await p.guestKeys.opener.open(sealed);
    expect(opened !== null && opened !== 'replayed' && [...opened.plaintext]).toEqual([1, 2, 3]);
    // The other direction's key does not open it.
    expect(await p.hostKeys.opener.open(sealed)).toBeNull();
    const back = await p.guestKeys.sealer.seal(Lane.POINTER, new Uint8Array([9]));
    expect(await p.hostKeys.opener.open(back)).toMatchObject({ lane: Lane.POINTER });
  });

  it('hellos are MACed with the link secret, bound to the guest and, from the host, to the hello it answers', async () => {
    const p = await pair(SECRET);
    expect(await verifyHello(SECRET, 'guest', 'guest01', p.guestHello)).toBe(true);
    expect(await verifyHello(SECRET, 'host', 'guest01', p.hostHello, p.guest)).toBe(true);
    expect(await verifyHello('x'.repeat(43), 'guest', 'guest01', p.guestHello)).toBe(false);
    expect(await verifyHello(SECRET, 'guest', 'guest02', p.guestHello)).toBe(false);
    expect(await verifyHello(SECRET, 'host', 'guest01', p.hostHello, await newHandshake())).toBe(false);
    expect(answersHandshake(p.hostHello, p.guest)).toBe(true);
    expect(answersHandshake(p.hostHello, await newHandshake())).toBe(false);
  });

  it('keys salted with different secrets do not agree', async () => {
    const guest = await newHandshake();
    const host = await newHandshake();
    const gh = readHello(await helloBody('guest', 'guest01', guest))!;
    const hh = readHello(await helloBody('host', 'guest01', host, undefined, gh))!;
    const hostKeys = await deriveKeys('host', 'guest01', host, gh, SECRET);
    const guestKeys = await deriveKeys('guest', 'guest01', guest, hh, 'other-secret');
    expect(await guestKeys.opener.open(await hostKeys.sealer.seal(Lane.DOM, new Uint8Array([1])))).toBeNull();
  });

  it('refuses a tampered body, and a replayed counter once accepted', async () => {
    const p = await pair();
    const sealed = await p.hostKeys.sealer.seal(Lane.DOM, new Uint8Array(100).fill(7));
    for (const at of [1, 5, 20, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[at]! ^= 1;
      expect(await p.guestKeys.opener.open(bad), `byte ${at}`).toBeNull();
    }
    expect(await p.guestKeys.opener.open(sealed)).toMatchObject({ lane: Lane.DOM });
    expect(await p.guestKeys.opener.open(sealed)).toBe('replayed');
    expect(readHello(new Uint8Array([1, 0, 3]))).toBeNull();
  });

  it('the group key opens only its own epoch, once per frame', async () => {
    const one = new GroupSealer(1);
    const two = new GroupSealer(2);
    const opener = (await GroupOpener.from(one.handover()))!;
    const body = await one.seal(new Uint8Array([4, 5]));
    expect([...(await opener.open(body) as Uint8Array)]).toEqual([4, 5]);
    expect(await opener.open(body)).toBe('replayed');
    expect(await opener.open(await two.seal(new Uint8Array([6])))).toBeNull();
    const tampered = (await one.seal(new Uint8Array([7]))).slice();
    tampered[tampered.length - 1]! ^= 1;
    expect(await opener.open(tampered)).toBeNull();
    expect(await GroupOpener.from(new Uint8Array(3))).toBeNull();
  });
});
