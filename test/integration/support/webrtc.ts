// WebRTC in Node for tests: node-datachannel's polyfill. Two of its peers in
// one process usually connect in a few milliseconds or about a second, but about
// one pair in twenty never does (its ICE settles on nothing); tests that need a
// connection to test something else try again with fresh peers, and say so.
import { RTCPeerConnection as PolyfillPeerConnection } from 'node-datachannel/polyfill';

/** An RTCPeerConnection constructor for `Peer` in Node. */
export const NodePeerConnection = PolyfillPeerConnection as unknown as typeof globalThis.RTCPeerConnection;

/** How long two peers in one process may take to connect. */
export const CONNECT_TIMEOUT_MS = 5000;
/** Connection attempts before a test gives up. */
export const CONNECT_ATTEMPTS = 3;

/** `promise`, or a rejection naming `what` after CONNECT_TIMEOUT_MS. */
export async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not connect within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Tries `connect` (which must clean up after itself when it fails) up to CONNECT_ATTEMPTS times, noting each failure. */
export async function withRetries<T>(what: string, connect: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect();
    } catch (err) {
      if (attempt >= CONNECT_ATTEMPTS) throw err;
      console.log(`${what}: connection attempt ${attempt} failed (${(err as Error).message}); trying again with fresh peers`);
    }
  }
}
