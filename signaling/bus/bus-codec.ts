// Deliveries on the wire between servers: one binary envelope per message,
// versioned, checked on arrival (another server may run another version, and
// nothing on a shared Redis is trusted blindly).
//
//   byte 0  version (1)     byte 1  op: 1 send, 2 close, 3 frame
//   byte 2  role: 1 host, 2 guest, 3 guests     byte 3  lane: 0 signaling, 1 relay
//   byte 4  length of the guest id (0 unless role is guest), then the id (ASCII)
//   send:  the message text (UTF-8)
//   close: the code (2 bytes, big-endian), then the reason (UTF-8)
//   frame: the frame's bytes

import { isId } from '../../src/protocol/index.js';
import type { Delivery, Recipient } from './bus.js';

export const BUS_VERSION = 1;
const OPS = ['send', 'close', 'frame'] as const;
const ROLES = ['host', 'guest', 'guests'] as const;
/** Longest close reason (a WebSocket close frame holds 123 bytes of it). */
const MAX_REASON_BYTES = 123;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeDelivery(delivery: Delivery): Buffer {
  const guestId = delivery.to.role === 'guest' ? encoder.encode(delivery.to.guestId) : new Uint8Array(0);
  let body: Uint8Array;
  if (delivery.op === 'send') body = encoder.encode(delivery.text);
  else if (delivery.op === 'frame') body = delivery.bytes;
  else {
    const reason = encoder.encode(delivery.reason).subarray(0, MAX_REASON_BYTES);
    body = new Uint8Array(2 + reason.length);
    new DataView(body.buffer).setUint16(0, delivery.code);
    body.set(reason, 2);
  }
  const head = Buffer.from([
    BUS_VERSION, OPS.indexOf(delivery.op) + 1, ROLES.indexOf(delivery.to.role) + 1,
    delivery.op === 'close' && delivery.lane === 'relay' ? 1 : 0, guestId.length,
  ]);
  return Buffer.concat([head, guestId, body]);
}

/** The delivery in `bytes`; null when it is not one (malformed, or of another version). */
export function decodeDelivery(bytes: Uint8Array): Delivery | null {
  if (bytes.length < 5 || bytes[0] !== BUS_VERSION) return null;
  const op = OPS[bytes[1]! - 1];
  const role = ROLES[bytes[2]! - 1];
  const laneByte = bytes[3]!;
  const idLength = bytes[4]!;
  if (!op || !role || laneByte > 1 || bytes.length < 5 + idLength) return null;
  let to: Recipient;
  if (role === 'guest') {
    const guestId = Buffer.from(bytes.subarray(5, 5 + idLength)).toString('latin1');
    if (!isId(guestId)) return null;
    to = { role, guestId };
  } else {
    if (idLength !== 0) return null;
    to = { role };
  }
  const body = bytes.subarray(5 + idLength);
  if (op === 'frame') return { op, to, bytes: body };
  try {
    if (op === 'send') return { op, to, text: decoder.decode(body) };
    if (body.length < 2 || body.length > 2 + MAX_REASON_BYTES) return null;
    const code = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint16(0);
    if (code < 1000 || code > 4999) return null;
    return { op, to, lane: laneByte === 1 ? 'relay' : 'signaling', code, reason: decoder.decode(body.subarray(2)) };
  } catch {
    return null; // Not UTF-8.
  }
}
