// Signaling-socket cases for the server fuzz, and how to read what the server
// did with each.

import { ErrorCode, MAX_SIGNALING_MESSAGE_BYTES } from '../../../src/protocol/index.js';
import { deepJsonText, mutate, mutateText, randomJson, randomText, type JsonValue } from './generators.js';
import type { Failures } from './outcomes.js';
import type { Outcome } from './probe.js';
import type { Random } from './random.js';

/** One fuzzed socket message. */
export interface WsCase {
  data: string | Buffer;
  binary: boolean;
  /** `text` cases are judged by the protocol's parsers; the others are refused before any parser. */
  kind: 'binary' | 'bad-utf8' | 'too-big' | 'text';
}

/** A socket message: binary, not UTF-8, too big, garbage, random JSON, or a (mutated) message of `templates`. */
export function wsCase(r: Random, templates: readonly unknown[]): WsCase {
  const c = r.weighted<() => WsCase>([
    [3, () => ({ data: Buffer.from(r.bytes(r.length(300))), binary: true, kind: 'binary' })],
    [2, () => ({ data: Buffer.concat([Buffer.from('{"type":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}')]), binary: false, kind: 'bad-utf8' })],
    [1, () => ({ data: 'x'.repeat(MAX_SIGNALING_MESSAGE_BYTES + r.int(1, 1000)), binary: false, kind: 'too-big' })],
    [8, () => ({ data: randomText(r), binary: false, kind: 'text' })],
    [8, () => ({ data: JSON.stringify(randomJson(r)), binary: false, kind: 'text' })],
    [2, () => ({ data: deepJsonText(r, r.int(100, 30_000)), binary: false, kind: 'text' })],
    [40, () => ({ data: JSON.stringify(mutate(r, r.pick(templates) as JsonValue)), binary: false, kind: 'text' })],
    [6, () => ({ data: mutateText(r, JSON.stringify(r.pick(templates))), binary: false, kind: 'text' })],
    [10, () => ({ data: JSON.stringify(r.pick(templates)), binary: false, kind: 'text' })],
  ])();
  if (c.kind === 'text' && Buffer.byteLength(c.data) > MAX_SIGNALING_MESSAGE_BYTES) return { ...c, kind: 'too-big' };
  return c;
}

/** How the server treated one message. */
export function classify(out: Outcome): string {
  if (out.timedOut) return 'timeout';
  if (out.messages.some((m) => m.type === 'error')) return out.closed ? 'error+close' : 'error-without-close';
  if (out.messages.some((m) => m.type === 'welcome' || m.type === 'joined')) return 'admitted';
  const reply = out.messages.find((m) => m.type === 'reply');
  if (reply) return reply.ok === true ? 'reply-ok' : 'reply-error';
  if (out.closed) return 'close-only';
  return 'silent';
}

/** The code of the `error` message the server sent, if any. */
export function errorCode(out: Outcome): unknown {
  return (out.messages.find((m) => m.type === 'error') as { error?: { code?: unknown } } | undefined)?.error?.code;
}

/** The `rid` of a raw request, when it has a usable one. */
export function ridOf(text: string): number | undefined {
  try {
    const rid = (JSON.parse(text) as { rid?: unknown }).rid;
    return typeof rid === 'number' && Number.isInteger(rid) && rid >= 0 ? rid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks the refusals that come before any role: a binary message is told
 * ERR_PROTOCOL and closed 1003; ws itself closes bad UTF-8 (1007) and an
 * oversized message (1009). Returns false for a text case (judged by its role).
 */
export function checkTransportRefusal(failures: Failures, c: WsCase, out: Outcome): boolean {
  const rateLimited = errorCode(out) === ErrorCode.RATE_LIMITED; // Allowed at any time.
  if (c.kind === 'binary') {
    if (!rateLimited && (classify(out) !== 'error+close' || errorCode(out) !== ErrorCode.PROTOCOL || out.closed?.code !== 1003)) {
      failures.add('a binary message was not refused with ERR_PROTOCOL and a 1003 close', c.data, out);
    }
    return true;
  }
  if (c.kind === 'bad-utf8' || c.kind === 'too-big') {
    const expected = c.kind === 'bad-utf8' ? 1007 : 1009;
    if (!rateLimited && out.closed?.code !== expected) failures.add(`a ${c.kind} message was not closed with ${expected}`, c.data, out);
    return true;
  }
  return false;
}
