// The host removes a guest: the guest is told and closed at once, whichever
// server its sockets are on (or, when it is away, refused when it tries to
// resume), its removal is stored, and the host hears of its departure like
// any other.

import { CwmnError, ErrorCode } from '../../src/protocol/index.js';
import type { RoleDeps } from './role.js';

/**
 * Removes guest `guestId` (connected or away) from the session; rejects with
 * `ERR_NOT_FOUND` when no such guest is in it. The removal is stored before
 * anyone is told. The link it came with stays spent.
 */
export async function removeGuest(deps: Pick<RoleDeps, 'guests' | 'courier' | 'store'>, sessionId: string, guestId: string): Promise<void> {
  const { guests, courier, store } = deps;
  const guest = await store.getGuest(guestId);
  if (!guest || guest.sessionId !== sessionId || guest.leftAt !== null) {
    throw new CwmnError(ErrorCode.NOT_FOUND, `No guest '${guestId}' in this session`);
  }
  await guests.remove(sessionId, guestId);
  await store.cancelTimer('guest-grace', guestId);
  courier.removed(sessionId, guestId);
  courier.toHost(sessionId, { type: 'guest-left', guestId });
}
