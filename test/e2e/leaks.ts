// Privacy audits of what the relay received: a detector of page text in a frame,
// and a frame built as an unencrypted one would be, to prove the detector works.

import { inflateRawSync } from 'node:zlib';
import { addressToGuest, encodePayload, toFrames } from '../../src/protocol/index.js';

/** How far into a frame deflate data is looked for (past any routing header and flag byte). */
const DEFLATE_SEARCH_BYTES = 64;

/** What a reader of `frame` could see: the frame itself, and what deflate-raw data at any of its first 64 offsets inflates to. */
export function readableForms(frame: Uint8Array): Buffer[] {
  const forms = [Buffer.from(frame)];
  for (let offset = 0; offset < DEFLATE_SEARCH_BYTES && offset < frame.length - 1; offset++) {
    try {
      forms.push(inflateRawSync(frame.subarray(offset)));
    } catch { /* not deflate data here */ }
  }
  return forms;
}

/** True when `frame` holds `text` in the clear or deflated at any offset of its first 64 bytes. */
export function leaksText(frame: Uint8Array, text: string): boolean {
  const needle = Buffer.from(text);
  return readableForms(frame).some((form) => form.includes(needle));
}

/** Those of `texts` that any of `frames` leaks (see `leaksText`); each frame is inflated once. */
export function leakedTexts(frames: readonly Uint8Array[], texts: readonly string[]): string[] {
  const needles = texts.map((text) => ({ text, bytes: Buffer.from(text) }));
  const leaked = new Set<string>();
  for (const frame of frames) {
    for (const form of readableForms(frame)) for (const n of needles) if (form.includes(n.bytes)) leaked.add(n.text);
  }
  return texts.filter((t) => leaked.has(t));
}

/**
 * The positive control: a relay frame to `guestId` carrying `text` as our framing would
 * carry it were it not sealed (routing header, flag byte, deflate-raw events).
 */
export async function unsealedFrameWith(text: string, guestId = 'guest01'): Promise<Uint8Array> {
  const payload = await encodePayload({ t: 'events', events: [{ type: 2, data: { text: text.repeat(40) }, timestamp: 1 }] });
  return addressToGuest(guestId, toFrames(payload, 64 * 1024)[0]!);
}
