// Binary framing of the DOM channel. A message is one or more frames; each
// frame starts with one flag byte. The channel is reliable and ordered and a
// sender never interleaves two messages, so frames need no message id.

import { CwmnError, ErrorCode } from './errors.js';
import { MAX_FRAME_MESSAGE_BYTES } from './limits.js';

/** Payload is deflate-raw compressed JSON (else plain UTF-8 JSON). */
const FLAG_COMPRESSED = 0b001;
/** Frame is a chunk of a larger message. */
const FLAG_CHUNK = 0b010;
/** Frame is the last chunk of a larger message. */
const FLAG_LAST = 0b100;
const KNOWN_FLAGS = FLAG_COMPRESSED | FLAG_CHUNK | FLAG_LAST;

/** A whole message, as reassembled from frames. */
export interface Payload {
  bytes: Uint8Array;
  compressed: boolean;
}

/** Splits one payload into frames of at most `chunkBytes` bytes of payload each. */
export function toFrames(payload: Payload, chunkBytes: number): Uint8Array[] {
  const base = payload.compressed ? FLAG_COMPRESSED : 0;
  const { bytes } = payload;
  if (bytes.length <= chunkBytes) return [withFlag(base, bytes)];
  const frames: Uint8Array[] = [];
  for (let start = 0; start < bytes.length; start += chunkBytes) {
    const end = Math.min(start + chunkBytes, bytes.length);
    const flag = base | FLAG_CHUNK | (end === bytes.length ? FLAG_LAST : 0);
    frames.push(withFlag(flag, bytes.subarray(start, end)));
  }
  return frames;
}

function withFlag(flag: number, bytes: Uint8Array): Uint8Array {
  const frame = new Uint8Array(bytes.length + 1);
  frame[0] = flag;
  frame.set(bytes, 1);
  return frame;
}

/** Reassembles frames into payloads; throws `ERR_PROTOCOL` / `ERR_TOO_LARGE` on bad input. */
export class FrameAssembler {
  private parts: Uint8Array[] = [];
  private size = 0;
  private partsCompressed = false;

  constructor(private readonly maxBytes = MAX_FRAME_MESSAGE_BYTES) {}

  /** Feeds one frame; returns a payload when a message is complete. */
  push(frame: Uint8Array): Payload | null {
    if (frame.length < 1) this.fail('Empty frame');
    const flag = frame[0]!;
    if ((flag & ~KNOWN_FLAGS) !== 0) this.fail('Unknown frame flags');
    const compressed = (flag & FLAG_COMPRESSED) !== 0;
    const body = frame.subarray(1);
    if ((flag & FLAG_CHUNK) === 0) {
      if (this.parts.length > 0) this.fail('Whole frame inside a chunked message');
      if ((flag & FLAG_LAST) !== 0) this.fail('Last flag on a whole frame');
      if (body.length > this.maxBytes) this.fail('Message too large', ErrorCode.TOO_LARGE);
      return { bytes: body, compressed };
    }
    if (body.length === 0) this.fail('Empty chunk');
    if (this.parts.length > 0 && compressed !== this.partsCompressed) this.fail('Chunks disagree on compression');
    this.partsCompressed = compressed;
    this.size += body.length;
    if (this.size > this.maxBytes) this.fail('Message too large', ErrorCode.TOO_LARGE);
    this.parts.push(body.slice());
    if ((flag & FLAG_LAST) === 0) return null;
    const bytes = new Uint8Array(this.size);
    let offset = 0;
    for (const part of this.parts) {
      bytes.set(part, offset);
      offset += part.length;
    }
    this.reset();
    return { bytes, compressed };
  }

  reset(): void {
    this.parts = [];
    this.size = 0;
  }

  private fail(message: string, code: typeof ErrorCode.PROTOCOL | typeof ErrorCode.TOO_LARGE = ErrorCode.PROTOCOL): never {
    this.reset();
    throw new CwmnError(code, message);
  }
}
