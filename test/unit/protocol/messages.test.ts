import { describe, expect, it } from 'vitest';
import {
  parseGuestMessage, parseGuestPointerMessage, parseHostDomMessage, parseHostMessage, parseHostPointerMessage,
  parseServerToGuest, parseServerToHost, PROTOCOL_VERSION,
} from '../../../src/protocol/index.js';

const sdp = { description: { type: 'offer', sdp: 'v=0\r\n' } };
const token = 'A'.repeat(32);

describe('signaling messages', () => {
  it('accepts well-formed host messages and strips unknown signal fields', () => {
    expect(parseHostMessage(JSON.stringify({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: 'abc123', hostToken: token })).ok).toBe(true);
    expect(parseHostMessage('{"type":"create-link","rid":1}')).toEqual({ ok: true, value: { type: 'create-link', rid: 1 } });
    const parsed = parseHostMessage(JSON.stringify({ type: 'signal', to: 'guest01', data: { candidate: { candidate: 'c', sdpMid: '0', sdpMLineIndex: 0, extra: 'x' } } }));
    expect(parsed).toEqual({ ok: true, value: { type: 'signal', to: 'guest01', data: { candidate: { candidate: 'c', sdpMid: '0', sdpMLineIndex: 0 } } } });
  });

  it.each([
    ['not JSON', '{'],
    ['not an object', '[1]'],
    ['unknown type', '{"type":"nope"}'],
    ['wrong version', JSON.stringify({ type: 'host-hello', v: 99, sessionId: 'abc123', hostToken: token })],
    ['short token', JSON.stringify({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: 'abc123', hostToken: 'x' })],
    ['negative rid', '{"type":"end-session","rid":-1}'],
    ['bad signal target', JSON.stringify({ type: 'signal', to: '../x', data: sdp })],
    ['signal with two keys', JSON.stringify({ type: 'signal', to: 'guest01', data: { ...sdp, candidate: null } })],
    ['huge sdp', JSON.stringify({ type: 'signal', to: 'guest01', data: { description: { type: 'offer', sdp: 'x'.repeat(40_000) } } })],
    ['rollback description', JSON.stringify({ type: 'signal', to: 'guest01', data: { description: { type: 'rollback', sdp: 'x' } } })],
  ])('rejects a host message: %s', (_, raw) => {
    const r = parseHostMessage(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('ERR_PROTOCOL');
  });

  it('validates guest messages', () => {
    expect(parseGuestMessage(JSON.stringify({ type: 'guest-join', v: PROTOCOL_VERSION, token, name: 'Ann' })).ok).toBe(true);
    expect(parseGuestMessage(JSON.stringify({ type: 'guest-join', v: PROTOCOL_VERSION, token, name: 'x'.repeat(101) })).ok).toBe(false);
    expect(parseGuestMessage(JSON.stringify({ type: 'signal', data: sdp })).ok).toBe(true);
    expect(parseGuestMessage(JSON.stringify({ type: 'create-link', rid: 1 })).ok).toBe(false);
  });

  it('validates what the server sends', () => {
    expect(parseServerToHost('{"type":"guest-left","guestId":"g12345"}').ok).toBe(true);
    expect(parseServerToHost('{"type":"guest-joined","guest":{"id":"g12345","name":"A"}}').ok).toBe(false);
    expect(parseServerToHost('{"type":"reply","rid":3,"ok":false,"error":{"code":"ERR_X","message":"m"}}').ok).toBe(true);
    expect(parseServerToGuest('{"type":"session-ended","reason":"host-ended"}').ok).toBe(true);
    expect(parseServerToGuest('{"type":"session-ended","reason":"bored"}').ok).toBe(false);
  });
});

describe('peer messages', () => {
  it('accepts guest pointers and clicks within bounds only', () => {
    expect(parseGuestPointerMessage({ t: 'pointer', x: 10, y: 20 })).toEqual({ t: 'pointer', x: 10, y: 20 });
    expect(parseGuestPointerMessage({ t: 'click', x: 10, y: 20, extra: 1 })).toEqual({ t: 'click', x: 10, y: 20 });
    expect(parseGuestPointerMessage({ t: 'pointer', x: 1e9, y: 0 })).toBeNull();
    expect(parseGuestPointerMessage({ t: 'pointer', x: Number.NaN, y: 0 })).toBeNull();
    expect(parseGuestPointerMessage({ t: 'script', x: 1, y: 1 })).toBeNull();
  });

  it('accepts host event batches and pointer lists of the right shape', () => {
    expect(parseHostDomMessage({ t: 'events', events: [{ type: 3, data: {}, timestamp: 1 }] })).not.toBeNull();
    expect(parseHostDomMessage({ t: 'events', events: [{ type: 3, data: 'x', timestamp: 1 }] })).toBeNull();
    expect(parseHostDomMessage({ t: 'eval', code: 'alert(1)' })).toBeNull();
    expect(parseHostPointerMessage({ t: 'pointers', pointers: [{ id: 'guest01', name: 'A', x: 1, y: 2 }] })).not.toBeNull();
    expect(parseHostPointerMessage({ t: 'pointers', pointers: [{ id: 'guest01', name: 7, x: 1, y: 2 }] })).toBeNull();
  });
});
