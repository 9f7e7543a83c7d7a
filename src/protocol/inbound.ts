// The one place where frames and pointer messages that arrived on a transport
// become validated messages: frames are reassembled, decoded in arrival order
// (decoding is asynchronous) and checked by the receiving side's parser.

import { decodePayload } from './codec.js';
import type { CwmnError } from './errors.js';
import { FrameAssembler } from './framing.js';
import { MAX_DECODED_BYTES, MAX_FRAME_MESSAGE_BYTES, MAX_POINTER_MESSAGE_BYTES } from './limits.js';

export interface InboundOptions<T> {
  /** Validates a decoded message; null when malformed. */
  parse: (json: unknown) => T | null;
  onMessage: (message: T) => void;
  /** A frame, payload or message was malformed (already dropped; the assembler has reset). */
  onInvalid: (err: unknown) => void;
  /** Largest reassembled (compressed) message. */
  maxFrameBytes?: number;
  /** Largest message once inflated. */
  maxDecodedBytes?: number;
}

/** Reassembles and decodes the page-data lane of one transport, in order. */
export class InboundDecoder<T> {
  private readonly assembler: FrameAssembler;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: InboundOptions<T>) {
    this.assembler = new FrameAssembler(options.maxFrameBytes ?? MAX_FRAME_MESSAGE_BYTES);
  }

  push(frame: Uint8Array): void {
    if (this.stopped) return;
    let payload;
    try {
      payload = this.assembler.push(frame);
    } catch (err) {
      this.options.onInvalid(err);
      return;
    }
    if (!payload) return;
    const p = payload;
    const { parse, onMessage, onInvalid, maxDecodedBytes = MAX_DECODED_BYTES } = this.options;
    this.chain = this.chain
      .then(() => decodePayload(p, maxDecodedBytes))
      .then((json) => {
        if (this.stopped) return;
        const message = parse(json);
        if (message === null) onInvalid(new Error('Malformed message'));
        else onMessage(message);
      }, (err: CwmnError) => {
        if (!this.stopped) onInvalid(err);
      });
  }

  /** Resolves once every message pushed so far has been decoded and reported. */
  idle(): Promise<void> {
    return this.chain;
  }

  /** Drops whatever is pending; nothing is reported after this. Idempotent. */
  stop(): void {
    this.stopped = true;
    this.assembler.reset();
  }
}

/** Parses and validates one pointer-lane message; null when too long, not JSON or malformed. */
export function parsePointerText<T>(text: string, parse: (json: unknown) => T | null): T | null {
  if (text.length > MAX_POINTER_MESSAGE_BYTES) return null;
  try {
    return parse(JSON.parse(text));
  } catch {
    return null;
  }
}
