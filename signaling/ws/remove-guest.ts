// The host removes a guest: the guest is told and closed at once (or, when it
// is away, refused when it tries to resume), its removal is stored, and the
// host hears of its departure like any other.

import { CloseCode, CwmnError, ErrorCode } from '../../src/protocol/index.js';
import type { RoleDeps } from './role.js';

/**
 * Removes guest `guestId` (connected or away) from the session; throws
 * `ERR_NOT_FOUND` when no such guest is in it. The link it came with stays spent.
 */
export function removeGuest(deps: Pick<RoleDeps, 'rooms' | 'sessions' | 'guests' | 'presence' | 'batch'>, sessionId: string, guestId: string): void {
  const { rooms, sessions, guests, presence } = deps;
  const entry = rooms.guest(sessionId, guestId);
  if (!entry) throw new CwmnError(ErrorCode.NOT_FOUND, `No guest '${guestId}' in this session`);
  deps.batch(() => {
    sessions.recordRemovedGuest(sessionId, guestId);
    guests.markLeft(guestId);
  });
  presence.forgetGuest(guestId);
  // Out of the room first, so its closing socket announces nothing and its last signals are dropped.
  rooms.removeGuest(sessionId, guestId);
  entry.client?.send({ type: 'session-ended', reason: 'removed' });
  entry.client?.close(CloseCode.NORMAL, 'removed');
  rooms.host(sessionId)?.send({ type: 'guest-left', guestId });
}
