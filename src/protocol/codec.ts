// JSON ⇄ bytes for the DOM channel: serialized once per batch, deflated
// (deflate-raw, native CompressionStream) when large enough to be worth it.

import { CwmnError, ErrorCode } from './errors.js';
import type { Payload } from './framing.js';
import { COMPRESS_MIN_BYTES, MAX_DECODED_BYTES } from './limits.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Serializes `message`; compresses it when it is at least `COMPRESS_MIN_BYTES`. */
export async function encodePayload(message: unknown): Promise<Payload> {
  const json = encoder.encode(JSON.stringify(message));
  if (json.length < COMPRESS_MIN_BYTES) return { bytes: json, compressed: false };
  const stream = new Blob([json]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return { bytes: await collect(stream, Number.POSITIVE_INFINITY), compressed: true };
}

/** Serializes a small control message synchronously, uncompressed (for `pagehide`). */
export function encodePayloadNow(message: unknown): Payload {
  return { bytes: encoder.encode(JSON.stringify(message)), compressed: false };
}

/** Parses a payload; throws `ERR_PROTOCOL` on bad data, `ERR_TOO_LARGE` once inflated past `maxBytes`. */
export async function decodePayload(payload: Payload, maxBytes = MAX_DECODED_BYTES): Promise<unknown> {
  let bytes = payload.bytes;
  if (payload.compressed) {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
    try {
      bytes = await collect(stream, maxBytes);
    } catch (err) {
      if (err instanceof CwmnError) throw err;
      throw new CwmnError(ErrorCode.PROTOCOL, 'Corrupt compressed payload', { cause: err });
    }
  }
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch (err) {
    throw new CwmnError(ErrorCode.PROTOCOL, 'Payload is not JSON', { cause: err });
  }
}

async function collect(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw new CwmnError(ErrorCode.TOO_LARGE, 'Decoded payload too large');
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}
