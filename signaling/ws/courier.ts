// What one socket of a session has to say to another, and orders to close
// them, as deliveries on the bus: whichever server the recipient's socket is
// on gets it (see bus.ts). Nothing in signaling sends to another socket directly.

import {
  CloseCode, type EndReason, type ServerToGuest, type ServerToHost,
} from '../../src/protocol/index.js';
import type { Bus, Lane, Recipient } from '../bus/bus.js';
import type { SocketHolder } from '../state/store.js';

export class Courier {
  constructor(private readonly bus: Bus) {}

  /** A message for the session's host. */
  toHost(sessionId: string, message: ServerToHost): void {
    this.send(sessionId, { role: 'host' }, message);
  }

  /** A message for one guest of the session. */
  toGuest(sessionId: string, guestId: string, message: ServerToGuest): void {
    this.send(sessionId, { role: 'guest', guestId }, message);
  }

  /** Closes the recipient's sockets of `lane` (only the one of `holder`, when the recipient names one). */
  close(sessionId: string, to: Recipient, code: number, reason: string, lane: Lane = 'signaling'): void {
    this.bus.publish(sessionId, { op: 'close', to, lane, code, reason });
  }

  /** An older socket of the host or of a guest, replaced by a newer one (which may be on another server). */
  replaced(sessionId: string, to: { role: 'host' } | { role: 'guest'; guestId: string }, holder: SocketHolder): void {
    this.close(sessionId, { ...to, holder }, CloseCode.REPLACED, 'replaced');
  }

  /** A guest removed by the host: told why, then its sockets close. */
  removed(sessionId: string, guestId: string): void {
    const to = { role: 'guest', guestId } as const;
    this.send(sessionId, to, { type: 'session-ended', reason: 'removed' });
    this.close(sessionId, to, CloseCode.NORMAL, 'removed');
    this.close(sessionId, to, CloseCode.NORMAL, 'removed', 'relay');
  }

  /**
   * The session ended: every guest (and, unless the host ended it itself, the
   * host) is told, then every socket of the session closes normally.
   */
  ended(sessionId: string, reason: EndReason): void {
    this.send(sessionId, { role: 'guests' }, { type: 'session-ended', reason });
    // The host that sent end-session already has its reply.
    if (reason !== 'host-ended') this.send(sessionId, { role: 'host' }, { type: 'session-ended', reason });
    for (const lane of ['signaling', 'relay'] as const) {
      this.close(sessionId, { role: 'guests' }, CloseCode.NORMAL, 'session ended', lane);
      this.close(sessionId, { role: 'host' }, CloseCode.NORMAL, 'session ended', lane);
    }
  }

  private send(sessionId: string, to: Recipient, message: ServerToHost | ServerToGuest): void {
    this.bus.publish(sessionId, { op: 'send', to, lane: 'signaling', text: JSON.stringify(message) });
  }
}
