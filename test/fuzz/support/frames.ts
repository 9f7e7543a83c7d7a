// DOM-channel frames for the fuzz: well-formed ones, made the way a real peer
// makes them, and random ones.

import { deflateRawSync } from 'node:zlib';
import { CHUNK_BYTES, toFrames } from '../../../src/protocol/index.js';
import type { Random } from './random.js';

/** The frame flag bits of `src/protocol/framing.ts` (not exported there). */
export const FLAG_COMPRESSED = 0b001;
export const FLAG_CHUNK = 0b010;
export const FLAG_LAST = 0b100;

/** A message encoded as a real peer does: JSON, deflated on request, cut into frames. */
export function framesOf(message: unknown, compressed = false): Uint8Array[] {
  const json = Buffer.from(JSON.stringify(message));
  return toFrames(compressed ? { bytes: deflateRawSync(json), compressed: true } : { bytes: json, compressed: false }, CHUNK_BYTES);
}

/** A random frame: mostly known flags, sometimes unknown bits, empty, or around `maxBody` bytes. */
export function randomFrame(r: Random, maxBody: number): Uint8Array {
  if (r.chance(0.03)) return new Uint8Array(0);
  const flag = r.weighted([[8, r.int(0, 7)], [1, r.int(8, 255)]]);
  const body = r.chance(0.05) ? r.bytes(r.int(Math.max(0, maxBody - 8), maxBody + 8)) : r.bytes(r.length(64));
  const frame = new Uint8Array(body.length + 1);
  frame[0] = flag;
  frame.set(body, 1);
  return frame;
}

/** Random bytes cut into frames by the real framer (chunked when large). */
export function randomFramedBytes(r: Random, maxBytes: number): Uint8Array[] {
  return toFrames({ bytes: r.bytes(r.int(0, maxBytes)), compressed: r.chance(0.5) }, r.pick([1024, CHUNK_BYTES]));
}
