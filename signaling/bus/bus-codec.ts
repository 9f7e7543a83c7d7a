// Deliveries on the wire between servers: one binary envelope per message,
// versioned, checked on arrival (another server may run another version, and
// nothing on a shared Redis is trusted blindly).
//
//   byte 0  version (1)     byte 1  op: 1 send, 2 close, 3 frame, 4 relay-peer
//   byte 2  role: 1 host, 2 guest, 3 guests     byte 3  lane: 0 signaling, 1 relay
//   byte 4  length of the guest id (0 unless role is guest), then the id (ASCII)
//   then    length of the holder (0: any socket of the recipient), then the holder (ASCII)
//   send:  the message text (UTF-8)
//   close: the code (2 bytes, big-endian), then the reason (UTF-8)
//   frame: the frame's bytes
//   relay-peer: flags (bit 0 present, bit 1 answer), then the length of the
//           sender's guest id (0: the host), then the id (ASCII)
//   (frames and relay-peer are always of the relay lane)

import { isId } from '../../src/protocol/index.js';
import { isSocketHolder } from '../state/holders.js';
import type { Delivery, Recipient } from './bus.js';

export const BUS_VERSION = 1;
const OPS = ['send', 'close', 'frame', 'relay-peer'] as const;
const ROLES = ['host', 'guest', 'guests'] as const;
/** Longest close reason (a WebSocket close frame holds 123 bytes of it). */
const MAX_REASON_BYTES = 123;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeDelivery(delivery: Delivery): Buffer {
  const { to } = delivery;
  const guestId = to.role === 'guest' ? encoder.encode(to.guestId) : new Uint8Array(0);
  const holder = to.role !== 'guests' && to.holder !== undefined ? encoder.encode(to.holder) : new Uint8Array(0);
  let body: Uint8Array;
  if (delivery.op === 'send') body = encoder.encode(delivery.text);
  else if (delivery.op === 'frame') body = delivery.bytes;
  else if (delivery.op === 'relay-peer') {
    const from = delivery.from.role === 'guest' ? encoder.encode(delivery.from.guestId) : new Uint8Array(0);
    body = Buffer.concat([Buffer.from([(delivery.present ? 1 : 0) | (delivery.answer ? 2 : 0), from.length]), from]);
  }
  else {
    const reason = encoder.encode(delivery.reason).subarray(0, MAX_REASON_BYTES);
    body = new Uint8Array(2 + reason.length);
    new DataView(body.buffer).setUint16(0, delivery.code);
    body.set(reason, 2);
  }
  const head = Buffer.from([
    BUS_VERSION, OPS.indexOf(delivery.op) + 1, ROLES.indexOf(to.role) + 1, laneOf(delivery) === 'relay' ? 1 : 0,
  ]);
  return Buffer.concat([head, Buffer.from([guestId.length]), guestId, Buffer.from([holder.length]), holder, body]);
}

/** The delivery in `bytes`; null when it is not one (malformed, or of another version). */
export function decodeDelivery(bytes: Uint8Array): Delivery | null {
  if (bytes.length < 6 || bytes[0] !== BUS_VERSION) return null;
  const op = OPS[bytes[1]! - 1];
  const role = ROLES[bytes[2]! - 1];
  const laneByte = bytes[3]!;
  if (!op || !role || laneByte > 1 || ((op === 'frame' || op === 'relay-peer') && laneByte !== 1)) return null;
  const guestId = readShortString(bytes, 4);
  const holder = guestId && readShortString(bytes, guestId.end);
  if (!holder) return null;
  let to: Recipient;
  if (role === 'guests') {
    if (guestId.value !== '' || holder.value !== '') return null;
    to = { role };
  } else {
    if ((role === 'guest') !== (guestId.value !== '')) return null;
    if (role === 'guest' && !isId(guestId.value)) return null;
    if (holder.value !== '' && !isSocketHolder(holder.value)) return null;
    const which = holder.value === '' ? {} : { holder: holder.value };
    to = role === 'guest' ? { role, guestId: guestId.value, ...which } : { role, ...which };
  }
  const body = bytes.subarray(holder.end);
  if (op === 'frame') return { op, to, bytes: body };
  if (op === 'relay-peer') return readRelayPeer(to, body);
  const lane = laneByte === 1 ? 'relay' : 'signaling';
  try {
    if (op === 'send') return { op, to, lane, text: decoder.decode(body) };
    if (body.length < 2 || body.length > 2 + MAX_REASON_BYTES) return null;
    const code = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint16(0);
    if (code < 1000 || code > 4999) return null;
    return { op, to, lane, code, reason: decoder.decode(body.subarray(2)) };
  } catch {
    return null; // Not UTF-8.
  }
}

/** Which of the recipient's sockets a delivery is for (frames and relay presence are the relay's). */
function laneOf(delivery: Delivery): 'signaling' | 'relay' {
  return delivery.op === 'send' || delivery.op === 'close' ? delivery.lane : 'relay';
}

function readRelayPeer(to: Recipient, body: Uint8Array): Delivery | null {
  const flags = body[0];
  const from = readShortString(body, 1);
  if (flags === undefined || flags > 3 || !from || from.end !== body.length) return null;
  if (from.value !== '' && !isId(from.value)) return null;
  return {
    op: 'relay-peer', to, from: from.value === '' ? { role: 'host' } : { role: 'guest', guestId: from.value },
    present: (flags & 1) === 1, answer: (flags & 2) === 2,
  };
}

/** A length byte at `at`, then that many ASCII bytes: the string and where it ends; null when cut short. */
function readShortString(bytes: Uint8Array, at: number): { value: string; end: number } | null {
  if (at >= bytes.length) return null;
  const end = at + 1 + bytes[at]!;
  if (end > bytes.length) return null;
  return { value: Buffer.from(bytes.subarray(at + 1, end)).toString('latin1'), end };
}
