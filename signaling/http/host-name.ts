// Host names as clients write them (a request's `Host` header, a TURN URL):
// checked to be a DNS name or an IP literal before the server repeats them to
// anyone, e.g. in the `stun:` URL it hands out.

import { isIP } from 'node:net';

/** One DNS label: letters, digits and inner hyphens, 1–63 characters. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
/** Longest DNS name. */
const MAX_NAME_LENGTH = 253;
/** `name`, `name:port`, `[v6]` or `[v6]:port`. */
const HOST_AND_PORT = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/;

/** True for a DNS name (`turn.example.com`, `localhost`) or an IPv4 or IPv6 address (without brackets). */
export function isHostName(name: string): boolean {
  if (isIP(name) !== 0) return true;
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (bare.length === 0 || bare.length > MAX_NAME_LENGTH) return false;
  const labels = bare.split('.');
  // All-numeric names that are not addresses (`1.2.3`, `999.1.1.1`) are refused: resolvers read them as addresses.
  if (labels.every((label) => /^\d+$/.test(label))) return false;
  return labels.every((label) => LABEL.test(label));
}

/**
 * The host name of `host[:port]` (a `Host` header, the authority of a URL),
 * lower-cased, IPv6 without brackets; null when it is missing or not a host
 * name or IP literal.
 */
export function hostNameOf(hostAndPort: string | undefined): string | null {
  const m = HOST_AND_PORT.exec(hostAndPort?.trim() ?? '');
  if (!m) return null;
  const port = m[3];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return null;
  if (m[1] !== undefined) return isIP(m[1]) === 6 ? m[1].toLowerCase() : null;
  const name = (m[2] ?? '').toLowerCase();
  return isHostName(name) ? name : null;
}

/** `host` as it goes into a URL: IPv6 addresses in brackets. */
export function hostForUrl(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** True for an address that means "every interface" (`0.0.0.0`, `::`): no client can reach the server by it. */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]' || host === '';
}
