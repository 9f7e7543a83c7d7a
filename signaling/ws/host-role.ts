// A host socket: admission by `host-hello`, then its requests (`create-link`,
// `end-session`) and the signals it sends to its guests.

import {
  CloseCode, ErrorCode, parseHostMessage, type HostToServer, type ServerToHost,
} from '../../src/protocol/index.js';
import type { Client } from './client.js';
import { relayToGuest } from './relay.js';
import type { Role, RoleDeps } from './role.js';

/** The first message of a host socket. */
export type HostHello = Extract<HostToServer, { type: 'host-hello' }>;

/**
 * Admits a host: allowed origin, existing session, matching token, session not
 * ended. On success the socket becomes the session's host (replacing an older
 * host socket, closed with 4000) and gets `welcome`; otherwise it gets an error
 * and is closed, and null is returned.
 */
export function admitHost(client: Client<ServerToHost>, hello: HostHello, deps: RoleDeps): Role | null {
  if (!deps.origins.isAllowed(client.from.origin)) {
    client.fail({ code: ErrorCode.UNAUTHORIZED, message: 'This origin may not host sessions on this server' });
    return null;
  }
  const check = deps.sessions.checkHost(hello.sessionId, hello.hostToken);
  if (!check.ok) {
    client.fail(check.error);
    return null;
  }
  const sessionId = check.session.id;
  const previous = deps.rooms.setHost(sessionId, client);
  if (previous) {
    previous.close(CloseCode.REPLACED, 'replaced');
    deps.log(`host of ${sessionId} replaced by a new socket`);
  } else {
    deps.log(`host connected to ${sessionId}`);
  }
  client.send({
    type: 'welcome',
    session: deps.sessions.info(check.session),
    guests: deps.rooms.guests(sessionId),
    iceServers: deps.iceServers,
  });
  return new HostRole(client, sessionId, deps);
}

class HostRole implements Role {
  constructor(
    private readonly client: Client<ServerToHost>,
    private readonly sessionId: string,
    private readonly deps: RoleDeps,
  ) {}

  handle(text: string): void {
    const parsed = parseHostMessage(text);
    if (!parsed.ok) {
      this.client.fail(parsed.error);
      return;
    }
    const message = parsed.value;
    switch (message.type) {
      case 'host-hello':
        this.client.fail({ code: ErrorCode.PROTOCOL, message: 'host-hello was already received on this socket' });
        return;
      case 'create-link':
        this.createLink(message.rid);
        return;
      case 'end-session':
        this.endSession(message.rid);
        return;
      case 'signal':
        // A guest that just left is not an error: its last signals are dropped.
        relayToGuest(this.deps.rooms, this.sessionId, message.to, message.data);
        return;
    }
  }

  closed(): void {
    if (this.deps.rooms.removeHost(this.sessionId, this.client)) this.deps.log(`host left ${this.sessionId}`);
  }

  private createLink(rid: number): void {
    const session = this.deps.sessions.get(this.sessionId);
    if (!session || session.endedAt !== null) {
      this.client.send({ type: 'reply', rid, ok: false, error: { code: ErrorCode.SESSION_ENDED, message: 'The session has ended' } });
      return;
    }
    const link = this.deps.links.create(this.sessionId);
    this.deps.log(`link created for ${this.sessionId}`);
    this.client.send({ type: 'reply', rid, ok: true, result: { url: link.url, expiresAt: link.expiresAt } });
  }

  private endSession(rid: number): void {
    // Reply first: ending the session closes this socket (see SocketHub.endRoom).
    this.client.send({ type: 'reply', rid, ok: true, result: null });
    this.deps.sessions.end(this.sessionId, 'host-ended');
  }
}
