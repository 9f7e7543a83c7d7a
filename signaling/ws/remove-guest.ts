// The host removes a guest: the guest is told and closed at once (or, when it
// is away, refused when it tries to resume), its removal is stored, and the
// host hears of its departure like any other.

import { CloseCode, CwmnError, ErrorCode } from '../../src/protocol/index.js';
import type { RoleDeps } from './role.js';

/**
 * Removes guest `guestId` (connected or away) from the session; rejects with
 * `ERR_NOT_FOUND` when no such guest is in it. The removal is stored before
 * anyone is told. The link it came with stays spent.
 */
export async function removeGuest(deps: Pick<RoleDeps, 'rooms' | 'guests' | 'presence'>, sessionId: string, guestId: string): Promise<void> {
  const { rooms, guests, presence } = deps;
  if (!rooms.guest(sessionId, guestId)) throw new CwmnError(ErrorCode.NOT_FOUND, `No guest '${guestId}' in this session`);
  await guests.remove(sessionId, guestId);
  presence.forgetGuest(guestId);
  // It may have left (or resumed on a new socket) while the removal was stored: whatever socket it has now goes.
  const entry = rooms.guest(sessionId, guestId);
  if (!entry) return; // Left meanwhile: the host was told then.
  // Out of the room first, so its closing socket announces nothing and its last signals are dropped.
  rooms.removeGuest(sessionId, guestId);
  entry.client?.send({ type: 'session-ended', reason: 'removed' });
  entry.client?.close(CloseCode.NORMAL, 'removed');
  rooms.host(sessionId)?.send({ type: 'guest-left', guestId });
}
