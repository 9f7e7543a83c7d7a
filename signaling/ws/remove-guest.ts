// The host removes a guest: the guest is told and closed at once, its removal
// is stored, and the host hears of its departure like any other.

import { CloseCode, CwmnError, ErrorCode } from '../../src/protocol/index.js';
import type { SessionService } from '../sessions.js';
import type { Rooms } from './rooms.js';

/**
 * Removes connected guest `guestId` from the session; throws `ERR_NOT_FOUND`
 * when no such guest is connected. The link it came with stays spent.
 */
export function removeGuest(rooms: Rooms, sessions: SessionService, sessionId: string, guestId: string): void {
  const entry = rooms.guest(sessionId, guestId);
  if (!entry) throw new CwmnError(ErrorCode.NOT_FOUND, `No guest '${guestId}' in this session`);
  sessions.recordRemovedGuest(sessionId, guestId);
  // Out of the room first, so its closing socket announces nothing and its last signals are dropped.
  rooms.removeGuest(sessionId, guestId);
  entry.client.send({ type: 'session-ended', reason: 'removed' });
  entry.client.close(CloseCode.NORMAL, 'removed');
  rooms.host(sessionId)?.send({ type: 'guest-left', guestId });
}
