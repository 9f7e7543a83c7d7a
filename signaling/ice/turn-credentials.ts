// Short-lived TURN credentials in the TURN REST scheme coturn implements
// (`use-auth-secret`): the user name carries its own expiry, the password is
// an HMAC of it under the secret this server shares with the TURN server.

import { createHmac } from 'node:crypto';
import type { TurnConfig } from '../config.js';

/** A user name and password that a TURN server with the same secret accepts until the expiry in the name. */
export interface TurnCredential {
  /** `<expiry in epoch seconds>:<id>`. */
  username: string;
  /** base64(HMAC-SHA1(secret, username)). */
  credential: string;
}

/**
 * The credential of `id` (a session or guest id: public, never a secret),
 * valid until `expiresAt` (epoch ms, rounded down to the second so it never
 * outlives it).
 */
export function turnCredential(secret: string, id: string, expiresAt: number): TurnCredential {
  const username = `${Math.floor(expiresAt / 1000)}:${id}`;
  return { username, credential: createHmac('sha1', secret).update(username, 'utf8').digest('base64') };
}

/** The ICE server entry of `id`: every configured TURN URL with a credential minted for it. */
export function turnServer(turn: TurnConfig, id: string, expiresAt: number): RTCIceServer {
  return { urls: [...turn.urls], ...turnCredential(turn.secret, id, expiresAt) };
}
