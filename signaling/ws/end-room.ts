// Ending a session for everyone connected to it.

import { CloseCode, type EndReason } from '../../src/protocol/index.js';
import type { Rooms } from './rooms.js';

/**
 * Tells every guest (and, unless the host ended it itself, the host) that the
 * session ended, then closes their sockets normally. The room is removed
 * first, so the closing sockets announce no departures.
 */
export function endRoom(rooms: Rooms, sessionId: string, reason: EndReason): void {
  const room = rooms.take(sessionId);
  if (!room) return;
  for (const { client } of room.guests.values()) {
    // A guest that is away learns it when it tries to resume (ERR_SESSION_ENDED).
    client?.send({ type: 'session-ended', reason });
    client?.close(CloseCode.NORMAL, 'session ended');
  }
  if (room.host) {
    // The host that sent end-session already has its reply.
    if (reason !== 'host-ended') room.host.send({ type: 'session-ended', reason });
    room.host.close(CloseCode.NORMAL, 'session ended');
  }
}
