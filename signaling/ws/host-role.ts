// A host socket: admission by `host-hello`, then its requests (links, the
// public link, invites, removing guests, ending the session) and the signals
// it sends to its guests. A session whose host socket closes waits for the
// host grace before it ends (see presence.ts).

import {
  CloseCode, CwmnError, ErrorCode, isInteger, isRecord, parseHostMessage, toWireError,
  type HostToServer, type ServerToHost,
} from '../../src/protocol/index.js';
import type { Client } from './client.js';
import { removeGuest } from './remove-guest.js';
import type { Role, RoleDeps } from './role.js';

/** The first message of a host socket. */
export type HostHello = Extract<HostToServer, { type: 'host-hello' }>;

/** Host messages answered with a `reply`, except `end-session` (it closes the socket). */
type HostRequest = Extract<HostToServer, { type: 'create-link' | 'remove-guest' | 'set-public-link' | 'invite-guest' }>;

/**
 * Admits a host: allowed origin, existing session, matching token, session not
 * ended. On success the socket becomes the session's host (replacing an older
 * host socket on any server, closed with 4000) and gets `welcome`; otherwise
 * it gets an error and is closed, and null is returned.
 */
export async function admitHost(client: Client<ServerToHost>, hello: HostHello, deps: RoleDeps): Promise<Role | null> {
  if (!deps.origins.isAllowed(client.from.origin)) {
    client.fail({ code: ErrorCode.UNAUTHORIZED, message: 'This origin may not host sessions on this server' });
    return null;
  }
  const check = await deps.sessions.checkHost(hello.sessionId, hello.hostToken);
  if (!check.ok) {
    client.fail(check.error);
    return null;
  }
  const sessionId = check.session.id;
  const iceServers = client.refuseOn(() => deps.ice.forHost(check.session, client.from.host));
  if (iceServers === null) return null;
  const [arrived, guests, session] = await Promise.all([
    deps.presence.hostArrived(sessionId, client), deps.guests.present(sessionId), deps.sessions.info(check.session),
  ]);
  deps.log(arrived.replaced ? `host of ${sessionId} replaced by a new socket` : `host connected to ${sessionId}`, { sessionId });
  client.send({
    type: 'welcome',
    session,
    guests,
    iceServers,
    relay: deps.relay,
    relayFanoutGuests: deps.relayFanoutGuests,
    publicLink: deps.publicLinks.state(check.session),
  });
  arrived.open();
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
      // A well-formed request with unacceptable parameters is answered; anything else breaks the protocol.
      const rid = parsed.error.code === ErrorCode.INVALID_PARAMS ? requestIdOf(text) : null;
      if (rid === null) this.client.fail(parsed.error);
      else this.client.send({ type: 'reply', rid, ok: false, error: parsed.error });
      return;
    }
    const message = parsed.value;
    switch (message.type) {
      case 'host-hello':
        this.client.fail({ code: ErrorCode.PROTOCOL, message: 'host-hello was already received on this socket' });
        return;
      case 'signal':
        // A guest that just left is not an error: its last signals are dropped.
        this.deps.courier.toGuest(this.sessionId, message.to, { type: 'signal', data: message.data });
        return;
      case 'end-session':
        this.endSession(message.rid);
        return;
      default:
        this.respond(message.rid, () => this.request(message));
    }
  }

  closed(): void {
    this.deps.presence.hostDeparted(this.sessionId, this.client).catch((err: unknown) => {
      this.deps.log(`host of ${this.sessionId} not stored as away: ${(err as Error)?.message ?? String(err)}`, { sessionId: this.sessionId, level: 'warn' });
    });
  }

  /** Carries out one request; resolves to its result, rejects with a `CwmnError` to refuse it. */
  private async request(message: HostRequest): Promise<unknown> {
    const { sessions, links, publicLinks, invites, log } = this.deps;
    switch (message.type) {
      case 'create-link': {
        await sessions.running(this.sessionId);
        const link = await links.create(this.sessionId);
        log(`link created for ${this.sessionId}`, { sessionId: this.sessionId });
        return { url: link.url, expiresAt: link.expiresAt };
      }
      case 'remove-guest':
        await removeGuest(this.deps, this.sessionId, message.guestId);
        log(`guest ${message.guestId} removed from ${this.sessionId}`, { sessionId: this.sessionId, guestId: message.guestId });
        return {};
      case 'set-public-link': {
        const state = await publicLinks.setEnabled(this.sessionId, message.enabled);
        log(`public link of ${this.sessionId} ${state.enabled ? 'enabled' : 'disabled'}`, { sessionId: this.sessionId });
        return state;
      }
      case 'invite-guest':
        return invites.invite(this.sessionId, message.invite);
    }
  }

  /** Replies to request `rid` with what `run` resolves to, or with the error it rejects with. */
  private respond(rid: number, run: () => Promise<unknown>): void {
    run().then((value: unknown) => this.reply(rid, value), (err: unknown) => this.replyError(rid, err));
  }

  private reply(rid: number, result: unknown): void {
    this.client.send({ type: 'reply', rid, ok: true, result });
  }

  private replyError(rid: number, err: unknown): void {
    if (!(err instanceof CwmnError)) this.deps.log(`host request of ${this.sessionId} failed: ${(err as Error)?.stack ?? String(err)}`, { sessionId: this.sessionId, level: 'error' });
    this.client.send({ type: 'reply', rid, ok: false, error: toWireError(err) });
  }

  private endSession(rid: number): void {
    let replied = false;
    const reply = (err?: unknown) => {
      if (replied) return;
      replied = true;
      if (err === undefined) this.reply(rid, null);
      else this.replyError(rid, err);
    };
    // The reply goes once the end is stored, and before anyone is told: telling them closes this socket (see endRoom).
    this.deps.sessions.end(this.sessionId, 'host-ended', () => reply()).then(() => reply(), (err: unknown) => reply(err));
  }
}

/** The `rid` of a request the protocol module refused for its parameters (it checked the rid first). */
function requestIdOf(text: string): number | null {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) && isInteger(value.rid, 0, Number.MAX_SAFE_INTEGER) ? value.rid : null;
  } catch {
    return null;
  }
}
