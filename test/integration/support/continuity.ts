// Helpers for continuity tests: guests resuming, hosts saying hello again,
// and waiting a while to show that nothing happens.

import { PROTOCOL_VERSION } from '../../../src/protocol/index.js';
import type { Endpoint } from './server.js';
import {
  connectHost, createLink, joinAsGuest, openGuestSocket, openHostSocket,
  type ConnectedHost, type GuestSocket, type HostSocket,
} from './socket.js';

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A guest's credentials, as its viewer keeps them. */
export interface GuestCredentials {
  guestId: string;
  resumeToken: string;
}

/** Opens a guest socket and asks to resume as `credentials`' guest. */
export async function resumeAsGuest(server: Endpoint, credentials: GuestCredentials, origin?: string | null): Promise<GuestSocket> {
  const guest = await openGuestSocket(server, origin);
  guest.send({ type: 'guest-resume', v: PROTOCOL_VERSION, guestId: credentials.guestId, resumeToken: credentials.resumeToken });
  return guest;
}

/** Opens a host socket and says hello to a session (the welcome, or the refusal, is left to the test). */
export async function sayHello(server: Endpoint, sessionId: string, hostToken: string): Promise<HostSocket> {
  const host = await openHostSocket(server);
  host.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId, hostToken });
  return host;
}

/** A host with one guest joined through a fresh link; the host's `guest-joined` is taken. */
export async function hostWithGuest(server: Endpoint, guestName = 'Bea'): Promise<{
  host: ConnectedHost; guest: GuestSocket; credentials: GuestCredentials;
}> {
  const host = await connectHost(server);
  const guest = await joinAsGuest(server, await createLink(host.socket), guestName);
  const joined = await guest.expect('joined');
  if (!joined.resumeToken) throw new Error('joined carried no resume token');
  await host.socket.expect('guest-joined');
  return { host, guest, credentials: { guestId: joined.guestId, resumeToken: joined.resumeToken } };
}
