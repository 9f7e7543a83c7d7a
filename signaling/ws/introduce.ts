// The first message of a socket decides its role: `host-hello`, or `guest-join` / `guest-resume`.

import { ErrorCode, parseGuestMessage, parseHostMessage } from '../../src/protocol/index.js';
import type { Client, ServerMessage } from './client.js';
import { admitGuest, resumeGuest } from './guest-role.js';
import { admitHost } from './host-role.js';
import type { Role, RoleDeps } from './role.js';

/** Admits a socket by its first message; resolves to null when refused (the socket was told why and is closing). */
export async function introduce(client: Client<ServerMessage>, text: string, deps: RoleDeps): Promise<Role | null> {
  const kind = firstMessageType(text);
  if (kind === 'host-hello') {
    const parsed = parseHostMessage(text);
    if (parsed.ok && parsed.value.type === 'host-hello') return admitHost(client.as(), parsed.value, deps);
    client.fail(parsed.ok ? unexpected() : parsed.error);
    return null;
  }
  if (kind === 'guest-join' || kind === 'guest-resume') {
    const parsed = parseGuestMessage(text);
    if (!parsed.ok || (parsed.value.type !== 'guest-join' && parsed.value.type !== 'guest-resume')) {
      client.fail(parsed.ok ? unexpected() : parsed.error);
      return null;
    }
    const started = performance.now();
    const role = await (parsed.value.type === 'guest-join' ? admitGuest(client.as(), parsed.value, deps) : resumeGuest(client.as(), parsed.value, deps));
    if (role) deps.timings.observeJoin((performance.now() - started) / 1000);
    return role;
  }
  client.fail(kind === null
    ? { code: ErrorCode.PROTOCOL, message: 'Message is not a JSON object' }
    : unexpected());
  return null;
}

function unexpected() {
  return { code: ErrorCode.PROTOCOL, message: 'The first message must be host-hello, guest-join or guest-resume' };
}

/** The `type` of a JSON object message ('' when it has none), or null when the text is not a JSON object. */
function firstMessageType(text: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' ? type : '';
}
