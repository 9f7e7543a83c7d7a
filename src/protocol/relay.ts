// The relay: page data between a host and its guests through the cwmn server,
// when no direct path can be made. The server routes binary frames by guest
// and never holds a key: what it carries is sealed end to end (relay/).
//
// Socket: `/relay`. The first message is a text `relay-hello`; then binary
// frames, and text control messages from the server only.
//   host → server:  0x01, id length, guest id (ASCII), body   (to one guest)
//                   0x02, body                                (to every relayed guest of the session)
//   server → host:  id length, guest id, body                 (from that guest)
//   guest ↔ server: body
// The body is opaque to the server (see relay/relay-crypto.ts for its layout).

import { ErrorCode, isErrorCode, type WireError } from './errors.js';
import { isRecord, isString, isToken } from './guards.js';
import { PROTOCOL_VERSION } from './limits.js';
import { isId, type Parsed } from './signaling.js';

/** Path of the relay socket. */
export const RELAY_PATH = '/relay';
/** `auto`: direct first, the relay when that fails; `always`: the relay only; `off`: never the relay. */
export type RelayMode = 'auto' | 'off' | 'always';
/** Why a guest's page data goes through the server (shown to the guest in words). */
export type RelayReason = 'blocked' | 'policy' | 'room';
/** Largest binary frame on the relay socket, header included. */
export const MAX_RELAY_FRAME_BYTES = 96 * 1024;
/** Host → server frame kinds. */
export const RELAY_TO_GUEST = 0x01;
export const RELAY_TO_GROUP = 0x02;

export type RelayHello =
  | { type: 'relay-hello'; v: number; role: 'host'; sessionId: string; hostToken: string }
  | { type: 'relay-hello'; v: number; role: 'guest'; guestId: string; resumeToken: string };

/** Text messages from the server on a relay socket. */
export type RelayControl =
  | { type: 'relay-ready' }
  /** The other end's relay socket arrived or left (`guestId` on the host's socket only). */
  | { type: 'relay-peer'; guestId?: string; present: boolean }
  | { type: 'error'; error: WireError };

export function isRelayMode(v: unknown): v is RelayMode {
  return v === 'auto' || v === 'off' || v === 'always';
}

export function isRelayReason(v: unknown): v is RelayReason {
  return v === 'blocked' || v === 'policy' || v === 'room';
}

function fail(message: string): { ok: false; error: WireError } {
  return { ok: false, error: { code: ErrorCode.PROTOCOL, message } };
}

/** Validates the first message of a relay socket. */
export function parseRelayHello(raw: string): Parsed<RelayHello> {
  let m: unknown;
  try {
    m = JSON.parse(raw);
  } catch {
    return fail('Message is not JSON');
  }
  if (!isRecord(m) || m.type !== 'relay-hello') return fail('Expected relay-hello');
  if (m.v !== PROTOCOL_VERSION) return fail(`Unsupported protocol version (server speaks ${PROTOCOL_VERSION})`);
  if (m.role === 'host' && isId(m.sessionId) && isToken(m.hostToken)) {
    return { ok: true, value: { type: 'relay-hello', v: m.v, role: 'host', sessionId: m.sessionId, hostToken: m.hostToken } };
  }
  if (m.role === 'guest' && isId(m.guestId) && isToken(m.resumeToken)) {
    return { ok: true, value: { type: 'relay-hello', v: m.v, role: 'guest', guestId: m.guestId, resumeToken: m.resumeToken } };
  }
  return fail('Malformed relay-hello');
}

/** Validates a server control message as seen by a relay client; null when malformed. */
export function parseRelayControl(raw: string): RelayControl | null {
  let m: unknown;
  try {
    m = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!isRecord(m)) return null;
  switch (m.type) {
    case 'relay-ready':
      return { type: 'relay-ready' };
    case 'relay-peer':
      if (typeof m.present !== 'boolean' || (m.guestId !== undefined && !isId(m.guestId))) return null;
      return m.guestId === undefined ? { type: 'relay-peer', present: m.present } : { type: 'relay-peer', guestId: m.guestId, present: m.present };
    case 'error':
      return isRecord(m.error) && isErrorCode(m.error.code) && isString(m.error.message, 1000)
        ? { type: 'error', error: { code: m.error.code, message: m.error.message } } : null;
    default:
      return null;
  }
}

const ascii = new TextEncoder();
const text = new TextDecoder();

/** Host → server: `body` to one guest. */
export function addressToGuest(guestId: string, body: Uint8Array): Uint8Array {
  const id = ascii.encode(guestId);
  const frame = new Uint8Array(2 + id.length + body.length);
  frame[0] = RELAY_TO_GUEST;
  frame[1] = id.length;
  frame.set(id, 2);
  frame.set(body, 2 + id.length);
  return frame;
}

/** Host → server: `body` to every relayed guest of the session. */
export function addressToGroup(body: Uint8Array): Uint8Array {
  const frame = new Uint8Array(1 + body.length);
  frame[0] = RELAY_TO_GROUP;
  frame.set(body, 1);
  return frame;
}

/** Server → host: `body` from one guest. */
export function addressFromGuest(guestId: string, body: Uint8Array): Uint8Array {
  const id = ascii.encode(guestId);
  const frame = new Uint8Array(1 + id.length + body.length);
  frame[0] = id.length;
  frame.set(id, 1);
  frame.set(body, 1 + id.length);
  return frame;
}

/** Splits a host's frame; null when malformed. */
export function readHostFrame(frame: Uint8Array): { to: string | null; body: Uint8Array } | null {
  if (frame.length < 2) return null;
  if (frame[0] === RELAY_TO_GROUP) return { to: null, body: frame.subarray(1) };
  if (frame[0] !== RELAY_TO_GUEST) return null;
  const read = readId(frame, 1);
  return read && { to: read.id, body: read.rest };
}

/** Splits a frame the server sent a host; null when malformed. */
export function readGuestFrame(frame: Uint8Array): { from: string; body: Uint8Array } | null {
  const read = readId(frame, 0);
  return read && { from: read.id, body: read.rest };
}

function readId(frame: Uint8Array, at: number): { id: string; rest: Uint8Array } | null {
  const length = frame[at];
  if (length === undefined || frame.length < at + 1 + length + 1) return null;
  const id = text.decode(frame.subarray(at + 1, at + 1 + length));
  return isId(id) ? { id, rest: frame.subarray(at + 1 + length) } : null;
}
