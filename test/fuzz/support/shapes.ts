// What a validated peer message may look like, written independently of the
// validators: exactly the documented fields, every coordinate finite and bounded.

import { MAX_COORDINATE, MAX_NAME_LENGTH } from '../../../src/protocol/index.js';

type Loose = Record<string, any>;

export function isBoundedCoordinate(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= MAX_COORDINATE;
}

function hasKeys(v: object, keys: string[]): boolean {
  return JSON.stringify(Object.keys(v).sort()) === JSON.stringify([...keys].sort());
}

function isPlainObject(v: unknown): v is Loose {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Guest → host, pointer channel. */
export function isGuestPointerShape(v: unknown): boolean {
  return isPlainObject(v) && (v.t === 'pointer' || v.t === 'click') && hasKeys(v, ['t', 'x', 'y'])
    && isBoundedCoordinate(v.x) && isBoundedCoordinate(v.y);
}

/** Guest → host, DOM channel. */
export function isGuestDomShape(v: unknown): boolean {
  return isPlainObject(v) && v.t === 'resync' && hasKeys(v, ['t']);
}

/** Host → guest, pointer channel. */
export function isHostPointerShape(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  if (v.t === 'click') return hasKeys(v, ['t', 'id', 'x', 'y']) && typeof v.id === 'string' && isBoundedCoordinate(v.x) && isBoundedCoordinate(v.y);
  return v.t === 'pointers' && Array.isArray(v.pointers) && v.pointers.length <= 1000 && v.pointers.every((p: unknown) => isPlainObject(p)
    && typeof p.id === 'string' && typeof p.name === 'string' && p.name.length <= MAX_NAME_LENGTH && isBoundedCoordinate(p.x) && isBoundedCoordinate(p.y));
}

/** One rrweb event as it travels; its `data` is rrweb's to check. */
export function isWireEventShape(e: unknown): boolean {
  return isPlainObject(e) && Number.isInteger(e.type) && e.type >= 0 && e.type <= 64 && isPlainObject(e.data) && Number.isFinite(e.timestamp);
}

/** Host → guest, DOM channel. */
export function isHostDomShape(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  if (v.t === 'events') return Array.isArray(v.events) && v.events.every(isWireEventShape);
  return (v.t === 'guest-state' && typeof v.isHidden === 'boolean') || (v.t === 'sharing' && typeof v.paused === 'boolean');
}
