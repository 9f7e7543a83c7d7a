// What hosts and guests are given for their peer connections: CWMN_ICE_SERVERS
// exactly as written or, when it is unset, the built-in STUN server under the
// name the client reached this server by, plus TURN with a credential minted
// for that one host or guest, which ends with its session.

import { CwmnError, ErrorCode } from '../../src/protocol/index.js';
import type { TurnConfig } from '../config.js';
import { hostForUrl, isWildcardHost } from '../http/host-name.js';
import { endedError } from '../sessions.js';
import type { SessionRecord } from '../state/records.js';
import { turnServer } from './turn-credentials.js';

/** Settings and collaborators of the provider. */
export interface IceProviderOptions {
  /** `CWMN_ICE_SERVERS` as written; null: built-in STUN plus TURN. */
  configured: RTCIceServer[] | null;
  /** The bound port of the built-in STUN server; null: it is off. */
  stunPort: number | null;
  /**
   * This server's name when a request gives none (no valid `Host` header):
   * `CWMN_PUBLIC_URL`'s host name, else `HOST` unless it is a wildcard; null: no name to give.
   */
  fallbackHost: string | null;
  turn: TurnConfig | null;
  now?: () => number;
}

/** This server's name for clients whose request names none: `CWMN_PUBLIC_URL`'s host name, else `HOST` unless it is a wildcard. */
export function fallbackStunHost(publicUrl: string | null, host: string): string | null {
  if (publicUrl !== null) return new URL(publicUrl).hostname.replace(/^\[(.*)\]$/, '$1');
  return isWildcardHost(host) ? null : host;
}

/** Hands out ICE server lists, one per host or guest. */
export class IceProvider {
  private readonly now: () => number;

  constructor(private readonly options: IceProviderOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * The ICE servers of the host of `session`, which the caller found running;
   * `requestHost` is the host name its socket reached the server by (null:
   * unknown). Throws `ERR_SESSION_ENDED` when the session has ended or is past its expiry.
   */
  forHost(session: SessionRecord, requestHost: string | null): RTCIceServer[] {
    return this.build(this.running(session), session.id, requestHost);
  }

  /** The ICE servers of guest `guestId` of `session`; like `forHost`. */
  forGuest(session: SessionRecord, guestId: string, requestHost: string | null): RTCIceServer[] {
    return this.build(this.running(session), guestId, requestHost);
  }

  private running(session: SessionRecord): SessionRecord {
    if (session.endedAt !== null) {
      const { code, message } = endedError(session);
      throw new CwmnError(code, message);
    }
    // Its expiry timer may not have fired yet: a credential for it would already be dead.
    if (session.expiresAt <= this.now()) throw new CwmnError(ErrorCode.SESSION_ENDED, 'The session has ended: it reached its maximum length');
    return session;
  }

  private build(session: SessionRecord, id: string, requestHost: string | null): RTCIceServer[] {
    const { configured, stunPort, fallbackHost, turn } = this.options;
    if (configured !== null) return configured;
    const servers: RTCIceServer[] = [];
    const host = requestHost ?? fallbackHost;
    if (stunPort !== null && host !== null) servers.push({ urls: `stun:${hostForUrl(host)}:${stunPort}` });
    // A replay session's expiresAt is the end of its recording: no credential outlives the session either way.
    if (turn !== null) servers.push(turnServer(turn, id, session.expiresAt));
    return servers;
  }
}
