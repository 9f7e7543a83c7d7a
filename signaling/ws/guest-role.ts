// A guest socket: admission by `guest-join` (spending a one-time link) or by
// `guest-resume` (the same guest again, with its resume token), then the
// signals it sends to the host. A guest whose socket closes is away for the
// guest grace before the host hears that it left (see presence.ts).

import {
  ErrorCode, parseGuestMessage, type GuestToServer, type ServerToGuest,
} from '../../src/protocol/index.js';
import type { Client } from './client.js';
import type { Role, RoleDeps } from './role.js';

/** The first message of a joining guest's socket. */
export type GuestJoin = Extract<GuestToServer, { type: 'guest-join' }>;
/** The first message of a resuming guest's socket. */
export type GuestResume = Extract<GuestToServer, { type: 'guest-resume' }>;

/**
 * Admits a guest: allowed origin (the server's own, where the viewer lives, or
 * a listed one), then a good link, spent at once, with room left under the
 * session's `maxGuests`. On success the guest gets `joined` with its resume
 * token and the host (if connected) `guest-joined`; otherwise the guest gets
 * an error and is closed, and null is returned. A full session does not spend the link.
 */
export async function admitGuest(client: Client<ServerToGuest>, join: GuestJoin, deps: RoleDeps): Promise<Role | null> {
  if (!originAllowed(client, deps)) return null;
  const admission = await deps.guests.admit(join.token, join.name, (session) => deps.domains.rulesFor(session.origin).maxGuests);
  if (!admission.ok) {
    client.fail(admission.error);
    return null;
  }
  const { session, record: guest, resumeToken } = admission;
  const iceServers = client.refuseOn(() => deps.ice.forGuest(session, guest.id, client.from.host));
  if (iceServers === null) return null;
  const arrived = await deps.presence.guestArrived(session.id, guest.id, client);
  client.send({ type: 'joined', guestId: guest.id, sessionId: session.id, hostName: session.hostName, iceServers, relay: deps.relay, resumeToken });
  arrived.open();
  deps.courier.toHost(session.id, { type: 'guest-joined', guest });
  deps.log(`guest ${guest.id} joined ${session.id}`, { sessionId: session.id, guestId: guest.id });
  return new GuestRole(client, session.id, guest.id, deps);
}

/**
 * Takes a guest back (viewer reload, lost socket, server restart): same origin
 * rules as joining, then the guest's resume token. On success the socket
 * replaces any older one of that guest (on any server; closed with 4000), the guest gets
 * `joined` (same id; its resume token stays valid, so none is sent) and the
 * host `guest-joined` again, which makes it offer a new peer connection.
 */
export async function resumeGuest(client: Client<ServerToGuest>, resume: GuestResume, deps: RoleDeps): Promise<Role | null> {
  if (!originAllowed(client, deps)) return null;
  const check = await deps.guests.checkResume(resume.guestId, resume.resumeToken);
  if (!check.ok) {
    client.fail(check.error);
    return null;
  }
  const { session, guest } = check;
  const iceServers = client.refuseOn(() => deps.ice.forGuest(session, guest.id, client.from.host));
  if (iceServers === null) return null;
  const arrived = await deps.presence.guestArrived(session.id, guest.id, client);
  client.send({ type: 'joined', guestId: guest.id, sessionId: session.id, hostName: session.hostName, iceServers, relay: deps.relay });
  arrived.open();
  deps.courier.toHost(session.id, { type: 'guest-joined', guest });
  deps.log(`guest ${guest.id} resumed in ${session.id}`, { sessionId: session.id, guestId: guest.id });
  return new GuestRole(client, session.id, guest.id, deps);
}

function originAllowed(client: Client<ServerToGuest>, deps: RoleDeps): boolean {
  if (deps.origins.isAllowed(client.from.origin)) return true;
  client.fail({ code: ErrorCode.UNAUTHORIZED, message: 'Guests may not join from this origin' });
  return false;
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
      case 'guest-resume':
        this.client.fail({ code: ErrorCode.PROTOCOL, message: `${message.type} came after this socket's introduction` });
        return;
      case 'signal':
        // A guest removed a moment ago may still be sending: its socket is no longer its place, and nothing goes on.
        if (!this.deps.local.isGuestSocket(this.sessionId, this.guestId, this.client)) return;
        this.deps.courier.toHost(this.sessionId, { type: 'signal', from: this.guestId, data: message.data });
        return;
    }
  }

  closed(): void {
    const { sessionId, guestId } = this;
    this.deps.presence.guestDeparted(sessionId, guestId, this.client, this.client.failedWith !== null).catch((err: unknown) => {
      this.deps.log(`guest ${guestId} of ${sessionId} not stored as away: ${(err as Error)?.message ?? String(err)}`, { sessionId, guestId, level: 'warn' });
    });
  }
}
