// Argument checks of the facade: each throws ERR_INVALID_PARAMS with a readable message.

import { CwmnError, ErrorCode } from '../protocol/index.js';
import { EVENT_NAMES, type CwmnEventName } from './events.js';

export function checkListener(eventName: unknown, callback: unknown): void {
  if (!EVENT_NAMES.includes(eventName as CwmnEventName)) {
    throw new CwmnError(ErrorCode.INVALID_PARAMS, `Unknown event '${String(eventName)}'`);
  }
  if (typeof callback !== 'function') throw new CwmnError(ErrorCode.INVALID_PARAMS, 'callback must be a function');
}

export function checkBoolean(name: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') throw new CwmnError(ErrorCode.INVALID_PARAMS, `${name} must be a boolean`);
}

export function checkGuestId(guestId: unknown): asserts guestId is string {
  if (typeof guestId !== 'string' || guestId === '') throw new CwmnError(ErrorCode.INVALID_PARAMS, 'guestId must be a guest id string');
}
