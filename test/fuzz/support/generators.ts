// Generators of hostile input: odd strings and numbers, random JSON (deep,
// wide, `__proto__` keys), and mutations of structurally valid messages.

import { MAX_COORDINATE, MAX_NAME_LENGTH, PROTOCOL_VERSION } from '../../../src/protocol/index.js';
import type { Random } from './random.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Strings that have broken parsers before. */
const SPECIAL_STRINGS = [
  '', ' ', '\u0000', '\u0000abc', '\n\r\t', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
  'valueOf', 'null', 'undefined', 'NaN', 'true', '0', '-1', '1e309', '[]', '{}', '"', '\\', '\\u0000',
  '<script>alert(1)</script>', '</script>', 'javascript:alert(1)', '../../../../etc/passwd', '..\\..\\win.ini', '%00', '%2e%2e%2f',
  '\ud800', '\udfff', '\ud83d\ude00', '\u202e', '\u200b', '\ufeff', 'é', '𝕏', 'A'.repeat(MAX_NAME_LENGTH),
  'A'.repeat(MAX_NAME_LENGTH + 1), 'a'.repeat(6), 'a'.repeat(5), 'a'.repeat(40), 'a'.repeat(41), 'A'.repeat(16), 'A'.repeat(64),
  'A'.repeat(65), 'A'.repeat(129), 'offer', 'answer', 'pointer', 'click', 'resync', 'events', 'host-hello', 'guest-join',
  'a@b.c', 'not an email', '+13145550000', '3145550000', 'ERR_PROTOCOL', 'ERR_SERVER', 'ERR_NOPE', 'x'.repeat(5000),
];

const ALPHABETS = [
  'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-',
  '{}[]":,\\/ \t\n\r0123456789.eE+-truefalsn',
  '<>&\'"=;/javascript:()',
  'äöüßéèçñåøæ中文日本語한국어עבריתالعربية',
];

export function randomString(r: Random, maxLength = 200): string {
  return r.weighted<() => string>([
    [3, () => r.pick(SPECIAL_STRINGS)],
    [4, () => {
      const alphabet = r.pick(ALPHABETS);
      const n = r.length(maxLength);
      let s = '';
      for (let i = 0; i < n; i++) s += alphabet[r.int(0, alphabet.length - 1)];
      return s;
    }],
    [2, () => {
      const n = r.length(maxLength);
      let s = '';
      for (let i = 0; i < n; i++) s += String.fromCharCode(r.weighted([[3, r.int(0, 0x7f)], [2, r.int(0x80, 0xffff)], [1, r.int(0xd800, 0xdfff)]]));
      return s;
    }],
  ])();
}

/** Numbers at and around every boundary the protocol checks. */
const SPECIAL_NUMBERS = [
  0, -0, 1, -1, 0.5, 1e-308, 5e-324, 1e308, -1e308, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53),
  MAX_COORDINATE, MAX_COORDINATE + 1, -MAX_COORDINATE, -MAX_COORDINATE - 0.001, 64, 65, 100, 101, PROTOCOL_VERSION,
  PROTOCOL_VERSION + 1, 1.5,
];

export function randomNumber(r: Random): number {
  return r.weighted<() => number>([
    [3, () => r.pick(SPECIAL_NUMBERS)],
    [3, () => r.int(-1000, 5000)],
    [2, () => (r.next() - 0.5) * 10 ** r.int(0, 12)],
    [1, () => (r.next() - 0.5) * 10 ** r.int(12, 308)],
  ])();
}

const KEYS = [
  'type', 't', 'v', 'x', 'y', 'id', 'rid', 'to', 'from', 'data', 'name', 'token', 'sessionId', 'hostToken', 'guestId',
  'description', 'candidate', 'sdp', 'events', 'pointers', '__proto__', 'constructor', 'prototype', 'ok', 'error', 'code',
  'message', 'enabled', 'invite', 'result', '', 'a', 'ü', '\u0000',
];

/** A random JSON value, at most `depth` levels deep. */
export function randomJson(r: Random, depth = 4): JsonValue {
  const leaf = depth <= 0;
  return r.weighted<() => JsonValue>([
    [2, () => null],
    [2, () => r.chance(0.5)],
    [4, () => randomNumber(r)],
    [4, () => randomString(r, 64)],
    [leaf ? 0 : 3, () => Array.from({ length: r.length(12) }, () => randomJson(r, depth - 1))],
    [leaf ? 0 : 4, () => {
      // Built as JSON text so that `__proto__` becomes an own key, as on the wire.
      const entries = Array.from({ length: r.length(10) }, () => [r.chance(0.7) ? r.pick(KEYS) : randomString(r, 16), randomJson(r, depth - 1)] as const);
      return JSON.parse(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`) as JsonValue;
    }],
  ])();
}

/** JSON text nested `depth` levels deep (arrays or objects). */
export function deepJsonText(r: Random, depth: number): string {
  if (r.chance(0.5)) return '['.repeat(depth) + ']'.repeat(depth);
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

type Path = (string | number)[];

function paths(value: JsonValue, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (value !== null && typeof value === 'object') for (const k of Object.keys(value)) paths(value[k]!, [...prefix, k], out);
  return out;
}

function clone<T extends JsonValue>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** A value of a (probably) different shape in place of `old`. */
function replacement(r: Random, old: JsonValue): JsonValue {
  return r.weighted<() => JsonValue>([
    [3, () => randomJson(r, 2)],
    [2, () => (typeof old === 'number' ? r.pick([old + 1, old - 1, -old, old * 1e6, old + 0.5]) : randomNumber(r))],
    [2, () => (typeof old === 'string' ? r.pick([old + 'x', old.slice(1), old.toUpperCase(), old.repeat(r.int(2, 50)), ` ${old}`]) : randomString(r))],
    [1, () => [old]],
    [1, () => ({ value: old })],
    // JSON text rather than String(): an object with its own `toString` key has no primitive value.
    [1, () => (typeof old === 'object' && old !== null ? JSON.stringify(old) : String(old))],
  ])();
}

/** Applies 1–3 structural mutations to a copy of `template`. */
export function mutate(r: Random, template: JsonValue): JsonValue {
  let value = clone(template);
  const rounds = r.int(1, 3);
  for (let i = 0; i < rounds; i++) {
    const all = paths(value);
    const path = r.pick(all);
    if (path.length === 0) {
      if (r.chance(0.3)) value = replacement(r, value);
      continue;
    }
    const parent = path.slice(0, -1).reduce<JsonValue>((v, k) => (v as Record<string, JsonValue>)[k as string]!, value) as Record<string, JsonValue> | JsonValue[];
    const key = path[path.length - 1]!;
    const op = r.weighted<string>([[4, 'replace'], [2, 'delete'], [2, 'add'], [1, 'proto']]);
    if (op === 'replace') (parent as Record<string, JsonValue>)[key] = replacement(r, (parent as Record<string, JsonValue>)[key]!);
    else if (op === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
    } else if (op === 'add' && !Array.isArray(parent)) parent[r.pick(KEYS)] = randomJson(r, 2);
    else if (op === 'proto' && !Array.isArray(parent)) {
      // `__proto__` as an own key, the way JSON.parse makes it.
      Object.defineProperty(parent, '__proto__', { value: randomJson(r, 2), enumerable: true, configurable: true, writable: true });
    }
  }
  return value;
}

/** Mutations of the serialized text itself: truncation, flipped characters, duplicate keys, trailing garbage. */
export function mutateText(r: Random, text: string): string {
  const at = r.int(0, text.length);
  return r.weighted<() => string>([
    [2, () => text.slice(0, at)],
    [2, () => text.slice(0, at) + String.fromCharCode(r.int(0, 0xffff)) + text.slice(at + 1)],
    [1, () => text.slice(0, at) + randomString(r, 8) + text.slice(at)],
    [1, () => `\ufeff${text}`],
    [1, () => `${text} ${randomString(r, 8)}`],
    [1, () => (text.startsWith('{') ? `{"type":"x",${text.slice(1)}` : text)],
    [1, () => (text.endsWith('}') ? `${text.slice(0, -1)},"type":"host-hello"}` : text)],
  ])();
}

/** Random bytes as a string: mostly not valid JSON, sometimes not valid UTF-16. */
export function randomText(r: Random, maxLength = 300): string {
  return randomString(r, maxLength);
}
