// Signal forwarding: negotiation data between a session's host and one of its
// guests, passed on as validated by the protocol module and never looked into.

import type { SignalData } from '../../src/protocol/index.js';
import type { Rooms } from './rooms.js';

/**
 * Host → guest `to`. False (and nothing sent) when `to` is not a connected
 * guest of the session: a guest that is away gets a new offer when it resumes.
 */
export function forwardToGuest(rooms: Rooms, sessionId: string, to: string, data: SignalData): boolean {
  const client = rooms.guest(sessionId, to)?.client;
  if (!client) return false;
  client.send({ type: 'signal', data });
  return true;
}

/**
 * Guest `from` → host. False when the host is not connected (the host re-offers
 * when it comes back) or `from` is no longer in the room (removed).
 */
export function forwardToHost(rooms: Rooms, sessionId: string, from: string, data: SignalData): boolean {
  const host = rooms.host(sessionId);
  if (!host || !rooms.guest(sessionId, from)) return false;
  host.send({ type: 'signal', from, data });
  return true;
}
