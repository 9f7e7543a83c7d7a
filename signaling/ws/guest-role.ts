// A guest socket: admission by `guest-join` (spending a one-time link), then
// the signals it sends to the host; leaving tells the host.

import {
  cleanName, parseGuestMessage, ErrorCode,
  type GuestRecord, type GuestToServer, type ServerToGuest,
} from '../../src/protocol/index.js';
import { randomId } from '../tokens.js';
import type { Client } from './client.js';
import { relayToHost } from './relay.js';
import type { Role, RoleDeps } from './role.js';

/** The first message of a guest socket. */
export type GuestJoin = Extract<GuestToServer, { type: 'guest-join' }>;

/**
 * Admits a guest: allowed origin (the server's own, where the viewer lives, or
 * a listed one), then a good link, spent at once. On success the guest gets
 * `joined` and the host (if connected) `guest-joined`; otherwise the guest gets
 * an error and is closed, and null is returned.
 */
export function admitGuest(client: Client<ServerToGuest>, join: GuestJoin, deps: RoleDeps): Role | null {
  if (!deps.origins.isAllowed(client.from.origin)) {
    client.fail({ code: ErrorCode.UNAUTHORIZED, message: 'Guests may not join from this origin' });
    return null;
  }
  const admission = deps.batch(() => {
    const redemption = deps.links.redeem(join.token);
    if (!redemption.ok) return redemption;
    const n = deps.sessions.admitGuest(redemption.session);
    const guest: GuestRecord = { id: randomId(), name: cleanName(join.name) || `Guest ${n}`, joinedAt: deps.now() };
    return { ok: true as const, session: redemption.session, guest };
  });
  if (!admission.ok) {
    client.fail(admission.error);
    return null;
  }
  const { session, guest } = admission;
  deps.rooms.addGuest(session.id, { record: guest, client });
  client.send({ type: 'joined', guestId: guest.id, sessionId: session.id, hostName: session.hostName, iceServers: deps.iceServers });
  deps.rooms.host(session.id)?.send({ type: 'guest-joined', guest });
  deps.log(`guest ${guest.id} joined ${session.id}`);
  return new GuestRole(client, session.id, guest.id, deps);
}

class GuestRole implements Role {
  constructor(
    private readonly client: Client<ServerToGuest>,
    private readonly sessionId: string,
    private readonly guestId: string,
    private readonly deps: RoleDeps,
  ) {}

  handle(text: string): void {
    const parsed = parseGuestMessage(text);
    if (!parsed.ok) {
      this.client.fail(parsed.error);
      return;
    }
    const message = parsed.value;
    switch (message.type) {
      case 'guest-join':
        this.client.fail({ code: ErrorCode.PROTOCOL, message: 'guest-join was already received on this socket' });
        return;
      case 'signal':
        relayToHost(this.deps.rooms, this.sessionId, this.guestId, message.data);
        return;
    }
  }

  closed(): void {
    // After the session ended its room is gone: nobody is told about this guest leaving.
    if (!this.deps.rooms.removeGuest(this.sessionId, this.guestId)) return;
    this.deps.rooms.host(this.sessionId)?.send({ type: 'guest-left', guestId: this.guestId });
    this.deps.log(`guest ${this.guestId} left ${this.sessionId}`);
  }
}
