// Messages on the data channels between a host and one guest (peer-to-peer).
// Host → guest messages carry rrweb events and other guests' pointers; guest →
// host messages carry only the guest's pointer, clicks and requests. Each side
// validates what it receives.

import { isFiniteNumber, isInteger, isRecord, isString } from './guards.js';
import { MAX_COORDINATE, MAX_NAME_LENGTH } from './limits.js';
import { isId } from './signaling.js';

/** Label of the reliable, ordered channel carrying page data (binary frames). */
export const DOM_CHANNEL = 'dom';
/** Label of the unordered, no-retransmit channel carrying pointers (JSON text). */
export const POINTER_CHANNEL = 'pointer';
/** Negotiated channel ids (both peers create the channels; no in-band announcement). */
export const DOM_CHANNEL_ID = 0;
export const POINTER_CHANNEL_ID = 1;

/** One rrweb event as it travels; its inner `data` is checked by rrweb's replayer. */
export interface WireEvent {
  type: number;
  data: Record<string, unknown>;
  timestamp: number;
}

/** A pointer of another guest, as drawn in a viewer. */
export interface PointerView {
  id: string;
  name: string;
  x: number;
  y: number;
}

/** Host → guest, DOM channel. */
export type HostDomMessage =
  | { t: 'events'; events: WireEvent[] }
  /** This guest's own standing: whether the host hides (mutes) its pointer. */
  | { t: 'guest-state'; isHidden: boolean }
  /** The host paused sharing for privacy (nothing of the page follows until resumed). */
  | { t: 'sharing'; paused: boolean };

/** Host → guest, pointer channel. */
export type HostPointerMessage =
  | { t: 'pointers'; pointers: PointerView[] }
  | { t: 'click'; id: string; x: number; y: number };

/** Guest → host, pointer channel. Coordinates are the host document's page coordinates. */
export type GuestPointerMessage =
  | { t: 'pointer'; x: number; y: number }
  | { t: 'click'; x: number; y: number };

/** Guest → host, DOM channel. */
export type GuestDomMessage =
  /** Please send a fresh snapshot. */
  | { t: 'resync' }
  /** The guest is leaving (its page is going away): not a connection problem. */
  | { t: 'bye' };

function isCoordinate(v: unknown): v is number {
  return isFiniteNumber(v) && Math.abs(v) <= MAX_COORDINATE;
}

function isWireEvent(v: unknown): v is WireEvent {
  return isRecord(v) && isInteger(v.type, 0, 64) && isRecord(v.data) && isFiniteNumber(v.timestamp);
}

function isPointerView(v: unknown): v is PointerView {
  return isRecord(v) && isId(v.id) && isString(v.name, MAX_NAME_LENGTH) && isCoordinate(v.x) && isCoordinate(v.y);
}

/** Validates a decoded DOM-channel message from the host; null when malformed. */
export function parseHostDomMessage(m: unknown): HostDomMessage | null {
  if (!isRecord(m)) return null;
  if (m.t === 'events' && Array.isArray(m.events) && m.events.every(isWireEvent)) {
    return { t: 'events', events: m.events };
  }
  if (m.t === 'guest-state' && typeof m.isHidden === 'boolean') return { t: 'guest-state', isHidden: m.isHidden };
  if (m.t === 'sharing' && typeof m.paused === 'boolean') return { t: 'sharing', paused: m.paused };
  return null;
}

/** Validates a pointer-channel message from the host; null when malformed. */
export function parseHostPointerMessage(m: unknown): HostPointerMessage | null {
  if (!isRecord(m)) return null;
  if (m.t === 'pointers' && Array.isArray(m.pointers) && m.pointers.length <= 1000 && m.pointers.every(isPointerView)) {
    return { t: 'pointers', pointers: m.pointers };
  }
  if (m.t === 'click' && isId(m.id) && isCoordinate(m.x) && isCoordinate(m.y)) {
    return { t: 'click', id: m.id, x: m.x, y: m.y };
  }
  return null;
}

/** Validates a pointer-channel message from a guest; null when malformed. */
export function parseGuestPointerMessage(m: unknown): GuestPointerMessage | null {
  if (!isRecord(m)) return null;
  if ((m.t === 'pointer' || m.t === 'click') && isCoordinate(m.x) && isCoordinate(m.y)) {
    return { t: m.t, x: m.x, y: m.y };
  }
  return null;
}

/** Validates a DOM-channel message from a guest; null when malformed. */
export function parseGuestDomMessage(m: unknown): GuestDomMessage | null {
  if (isRecord(m) && (m.t === 'resync' || m.t === 'bye')) return { t: m.t };
  return null;
}
