// Authenticates the DTLS fingerprints of a peer connection with a secret the
// signaling server never sees (it travels in the invite link's URL fragment).
// Each side MACs the fingerprints of the description it sends; the other side
// checks them. A server that swaps in its own description (to sit between host
// and guest) cannot produce the MAC, so the connection is refused.

const LABEL = 'cwmn-sdp-auth-v1';
const encoder = new TextEncoder();

/** The `a=fingerprint:` lines of an SDP, normalized and sorted. */
export function sdpFingerprints(sdp: string): string {
  return sdp.split(/\r?\n/)
    .filter((line) => line.startsWith('a=fingerprint:'))
    .map((line) => line.trim().toUpperCase())
    .sort()
    .join('\n');
}

async function key(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

function message(type: string, sdp: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(`${LABEL}\n${type}\n${sdpFingerprints(sdp)}`);
}

/** The MAC of a description, base64url. */
export async function signDescription(secret: string, type: string, sdp: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await key(secret), message(type, sdp)));
  return toBase64Url(mac);
}

/** True when `auth` is the MAC of this description under `secret` (and it has fingerprints at all). */
export async function verifyDescription(secret: string, type: string, sdp: string, auth: string): Promise<boolean> {
  if (sdpFingerprints(sdp) === '') return false;
  const mac = fromBase64Url(auth);
  if (!mac) return false;
  return crypto.subtle.verify('HMAC', await key(secret), mac, message(type, sdp));
}

/** A new random secret for invite links (256 bits, base64url). */
export function newLinkSecret(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  try {
    const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}
