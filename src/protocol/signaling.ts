// Messages on the signaling WebSocket, between host or guest and the server.
// The server only forwards `signal` payloads; page data never passes through it
// (the relay, when used, carries it sealed on a socket of its own: relay.ts).

import { ErrorCode, type WireError } from './errors.js';
import {
  cleanName, isEmail, isInteger, isNonEmptyString, isRecord, isString, isToken,
} from './guards.js';
import {
  MAX_CANDIDATE_LENGTH, MAX_INVITE_MESSAGE_LENGTH, MAX_NAME_LENGTH, MAX_PHONE_LENGTH, MAX_SDP_LENGTH, PROTOCOL_VERSION,
} from './limits.js';
import { isRelayMode, isRelayReason, type RelayMode, type RelayReason } from './relay.js';

/** WebSocket close codes the server uses on the signaling socket. */
export const CloseCode = {
  /** Normal closure: the session or the link is over. */
  NORMAL: 1000,
  /** The server is going away (shutdown). */
  GOING_AWAY: 1001,
  /** Data the protocol does not have (binary frames). */
  UNSUPPORTED_DATA: 1003,
  /** The client broke a rule: protocol, authorization, rate. */
  POLICY_VIOLATION: 1008,
  /** A message over `MAX_SIGNALING_MESSAGE_BYTES`. */
  TOO_BIG: 1009,
  /** The server failed while handling a message. */
  INTERNAL_ERROR: 1011,
  /** A newer host socket for the same session took this one's place. */
  REPLACED: 4000,
} as const;

/** What the host's code learns about its session (`getSessionInfo()`). */
export interface SessionInfo {
  sessionId: string;
  isReplay: boolean;
  hostName: string;
  hostEmail: string;
  /** Epoch milliseconds. */
  startedAt: number;
  /** Epoch milliseconds; the server ends the session then. */
  expiresAt: number;
  guestCount: number;
}

/** A guest as the server knows it (no pointer data: that travels peer-to-peer). */
export interface GuestRecord {
  id: string;
  name: string;
  /** Epoch milliseconds. */
  joinedAt: number;
}

/** The public link of a session: one reusable link while enabled. */
export interface PublicLinkState {
  enabled: boolean;
  /** Absolute URL while enabled, else null. Re-enabling issues a new link; a revoked one never works again. */
  url: string | null;
}

/** An email or SMS invite, as validated by `checkInviteParams`. */
export interface GuestInvite {
  guestName: string;
  /** Exactly one of `guestEmail` and `guestPhone` is set (email wins when both are given). */
  guestEmail?: string;
  /** E.164, e.g. `+13145550000`. */
  guestPhone?: string;
  /** Personal message (email only). */
  message: string;
}

/** What `guest.inviteGuest` resolves with. */
export interface InviteResult {
  channel: 'email' | 'sms';
  /** The address or number the invite went to. */
  to: string;
  /** Epoch milliseconds: the invite's link expires then. */
  expiresAt: number;
}

/** Why a session or a guest's participation ended. */
export type EndReason = 'host-ended' | 'expired' | 'removed';

/** Negotiation data forwarded verbatim between host and one guest. */
export type SignalData =
  /** `auth`: MAC of the SDP's DTLS fingerprints under the invite link's secret (see peer/sdp-auth.ts). */
  | { description: { type: 'offer' | 'answer'; sdp: string; auth?: string } }
  | { candidate: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null } | null }
  /** Host → guest: page data now comes through the relay (see relay.ts); connect to it. */
  | { relay: { reason: RelayReason } };

/** Messages from a host's page to the server. */
export type HostToServer =
  | { type: 'host-hello'; v: number; sessionId: string; hostToken: string }
  | { type: 'create-link'; rid: number }
  | { type: 'end-session'; rid: number }
  | { type: 'remove-guest'; rid: number; guestId: string }
  | { type: 'set-public-link'; rid: number; enabled: boolean }
  | { type: 'invite-guest'; rid: number; invite: GuestInvite }
  | { type: 'signal'; to: string; data: SignalData };

/** Messages from a guest's viewer to the server. */
export type GuestToServer =
  | { type: 'guest-join'; v: number; token: string; name: string }
  /** Rejoin as the same guest (viewer reload, lost socket) with the token `joined` gave. */
  | { type: 'guest-resume'; v: number; guestId: string; resumeToken: string }
  | { type: 'signal'; data: SignalData };

/** Messages from the server to a host. */
export type ServerToHost =
  | {
    type: 'welcome'; session: SessionInfo; guests: GuestRecord[]; iceServers: RTCIceServer[]; publicLink: PublicLinkState;
    /** The server's relay setting (`CWMN_RELAY`). */
    relay: RelayMode;
    /** Past this many guests, every guest goes through the relay (one upload for all); null: never. */
    relayFanoutGuests: number | null;
  }
  | { type: 'reply'; rid: number; ok: true; result: unknown }
  | { type: 'reply'; rid: number; ok: false; error: WireError }
  | { type: 'guest-joined'; guest: GuestRecord }
  | { type: 'guest-left'; guestId: string }
  | { type: 'signal'; from: string; data: SignalData }
  | { type: 'session-ended'; reason: EndReason }
  | { type: 'error'; error: WireError };

/** Messages from the server to a guest. */
export type ServerToGuest =
  | { type: 'joined'; guestId: string; sessionId: string; hostName: string; iceServers: RTCIceServer[]; relay: RelayMode; resumeToken?: string }
  | { type: 'signal'; data: SignalData }
  | { type: 'session-ended'; reason: EndReason }
  | { type: 'error'; error: WireError };

/** Result of validating an inbound message. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: WireError };

function fail(message: string): { ok: false; error: WireError } {
  return { ok: false, error: { code: ErrorCode.PROTOCOL, message } };
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** Ids minted by the server for sessions and guests. */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{6,40}$/.test(value);
}

function isRid(value: unknown): value is number {
  return isInteger(value, 0, Number.MAX_SAFE_INTEGER);
}

export function isSignalData(value: unknown): value is SignalData {
  if (!isRecord(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== 1) return false;
  if ('description' in value) {
    const d = value.description;
    return isRecord(d)
      && (d.type === 'offer' || d.type === 'answer')
      && isNonEmptyString(d.sdp, MAX_SDP_LENGTH)
      && (d.auth === undefined || isString(d.auth, 128));
  }
  if ('candidate' in value) {
    const c = value.candidate;
    if (c === null) return true;
    return isRecord(c)
      && isString(c.candidate, MAX_CANDIDATE_LENGTH)
      && (c.sdpMid === null || isString(c.sdpMid, 64))
      && (c.sdpMLineIndex === null || isInteger(c.sdpMLineIndex, 0, 64));
  }
  if ('relay' in value) return isRecord(value.relay) && isRelayReason(value.relay.reason);
  return false;
}

/** Copies only the fields a signal may carry, dropping anything extra. */
function cleanSignal(data: SignalData): SignalData {
  if ('description' in data) {
    const { type, sdp, auth } = data.description;
    return { description: auth === undefined ? { type, sdp } : { type, sdp, auth } };
  }
  if ('relay' in data) return { relay: { reason: data.relay.reason } };
  const c = data.candidate;
  return {
    candidate: c && { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex },
  };
}

/** Validates a raw socket message from a host. */
export function parseHostMessage(raw: string): Parsed<HostToServer> {
  const m = parseJson(raw);
  if (!isRecord(m)) return fail('Message is not a JSON object');
  switch (m.type) {
    case 'host-hello':
      if (m.v !== PROTOCOL_VERSION) return fail(`Unsupported protocol version (server speaks ${PROTOCOL_VERSION})`);
      if (!isId(m.sessionId) || !isToken(m.hostToken)) return fail('Malformed host-hello');
      return { ok: true, value: { type: 'host-hello', v: m.v, sessionId: m.sessionId, hostToken: m.hostToken } };
    case 'create-link':
    case 'end-session':
      if (!isRid(m.rid)) return fail(`Malformed ${m.type}`);
      return { ok: true, value: { type: m.type, rid: m.rid } };
    case 'remove-guest':
      if (!isRid(m.rid) || !isId(m.guestId)) return fail('Malformed remove-guest');
      return { ok: true, value: { type: 'remove-guest', rid: m.rid, guestId: m.guestId } };
    case 'set-public-link':
      if (!isRid(m.rid) || typeof m.enabled !== 'boolean') return fail('Malformed set-public-link');
      return { ok: true, value: { type: 'set-public-link', rid: m.rid, enabled: m.enabled } };
    case 'invite-guest': {
      if (!isRid(m.rid)) return fail('Malformed invite-guest');
      const checked = checkInviteParams(m.invite);
      if (typeof checked === 'string') return { ok: false, error: { code: ErrorCode.INVALID_PARAMS, message: checked } };
      return { ok: true, value: { type: 'invite-guest', rid: m.rid, invite: checked } };
    }
    case 'signal':
      if (!isId(m.to) || !isSignalData(m.data)) return fail('Malformed signal');
      return { ok: true, value: { type: 'signal', to: m.to, data: cleanSignal(m.data) } };
    default:
      return fail('Unknown message type');
  }
}

/** Validates a raw socket message from a guest. */
export function parseGuestMessage(raw: string): Parsed<GuestToServer> {
  const m = parseJson(raw);
  if (!isRecord(m)) return fail('Message is not a JSON object');
  switch (m.type) {
    case 'guest-join':
      if (m.v !== PROTOCOL_VERSION) return fail(`Unsupported protocol version (server speaks ${PROTOCOL_VERSION})`);
      if (!isString(m.token, 128) || !isString(m.name, MAX_NAME_LENGTH)) return fail('Malformed guest-join');
      return { ok: true, value: { type: 'guest-join', v: m.v, token: m.token, name: m.name } };
    case 'guest-resume':
      if (m.v !== PROTOCOL_VERSION) return fail(`Unsupported protocol version (server speaks ${PROTOCOL_VERSION})`);
      if (!isId(m.guestId) || !isToken(m.resumeToken)) return fail('Malformed guest-resume');
      return { ok: true, value: { type: 'guest-resume', v: m.v, guestId: m.guestId, resumeToken: m.resumeToken } };
    case 'signal':
      if (!isSignalData(m.data)) return fail('Malformed signal');
      return { ok: true, value: { type: 'signal', data: cleanSignal(m.data) } };
    default:
      return fail('Unknown message type');
  }
}

function isSessionInfo(v: unknown): v is SessionInfo {
  return isRecord(v) && isId(v.sessionId) && typeof v.isReplay === 'boolean'
    && isString(v.hostName, MAX_NAME_LENGTH) && isString(v.hostEmail, 254)
    && isInteger(v.startedAt, 0, Number.MAX_SAFE_INTEGER)
    && isInteger(v.expiresAt, 0, Number.MAX_SAFE_INTEGER)
    && isInteger(v.guestCount, 0, 1_000_000);
}

export function isGuestRecord(v: unknown): v is GuestRecord {
  return isRecord(v) && isId(v.id) && isString(v.name, MAX_NAME_LENGTH)
    && isInteger(v.joinedAt, 0, Number.MAX_SAFE_INTEGER);
}

export function isPublicLinkState(v: unknown): v is PublicLinkState {
  return isRecord(v) && typeof v.enabled === 'boolean' && (v.url === null || isString(v.url, 2048));
}

/**
 * Validates and normalizes the parameters of `guest.inviteGuest`: returns the
 * invite, or a readable reason it is refused. Used by the embed and the server.
 */
export function checkInviteParams(p: unknown): GuestInvite | string {
  if (!isRecord(p)) return 'params must be an object';
  const { guestName = '', guestEmail, guestPhone, message = '' } = p;
  if (!isString(guestName, MAX_NAME_LENGTH)) return `guestName must be a string of at most ${MAX_NAME_LENGTH} characters`;
  if (!isString(message, MAX_INVITE_MESSAGE_LENGTH)) return `message must be a string of at most ${MAX_INVITE_MESSAGE_LENGTH} characters`;
  const hasEmail = guestEmail !== undefined && guestEmail !== null && guestEmail !== '';
  const hasPhone = guestPhone !== undefined && guestPhone !== null && guestPhone !== '';
  if (!hasEmail && !hasPhone) return 'guestEmail or guestPhone is required';
  const name = cleanName(guestName);
  if (hasEmail) {
    if (!isEmail(guestEmail)) return 'guestEmail is not a valid email address';
    return { guestName: name, guestEmail: guestEmail.trim(), message: message.trim() };
  }
  const phone = typeof guestPhone === 'string' || typeof guestPhone === 'number' ? normalizePhone(String(guestPhone)) : null;
  if (!phone) return 'guestPhone is not a valid phone number (use +<country code><number>, or 10 digits for a US number)';
  return { guestName: name, guestPhone: phone, message: '' };
}

/**
 * Normalizes a phone number to E.164: `+` and 8–15 digits. Ten digits without a
 * country code are taken as a US number (`3145550000` → `+13145550000`).
 */
export function normalizePhone(raw: string): string | null {
  if (raw.length > MAX_PHONE_LENGTH || !/^[+\d\s().-]+$/.test(raw)) return null;
  const plus = raw.trim().startsWith('+');
  const digits = raw.replace(/\D/g, '');
  if (plus) return /^[1-9]\d{7,14}$/.test(digits) ? `+${digits}` : null;
  if (/^[2-9]\d{9}$/.test(digits)) return `+1${digits}`;
  if (/^1[2-9]\d{9}$/.test(digits)) return `+${digits}`;
  return null;
}

function isWireError(v: unknown): v is WireError {
  return isRecord(v) && typeof v.code === 'string' && typeof v.message === 'string';
}

function isEndReason(v: unknown): v is EndReason {
  return v === 'host-ended' || v === 'expired' || v === 'removed';
}

function isIceServers(v: unknown): v is RTCIceServer[] {
  return Array.isArray(v) && v.every((s) => isRecord(s) && (typeof s.urls === 'string' || Array.isArray(s.urls)));
}

/** Validates a server message as seen by a host (the server is trusted less than fully). */
export function parseServerToHost(raw: string): Parsed<ServerToHost> {
  const m = parseJson(raw);
  if (!isRecord(m)) return fail('Message is not a JSON object');
  switch (m.type) {
    case 'welcome':
      if (!isSessionInfo(m.session) || !Array.isArray(m.guests) || !m.guests.every(isGuestRecord)
        || !isIceServers(m.iceServers) || !isPublicLinkState(m.publicLink) || !isRelayMode(m.relay)
        || !(m.relayFanoutGuests === null || isInteger(m.relayFanoutGuests, 1, 10_000))) return fail('Malformed welcome');
      return { ok: true, value: m as ServerToHost };
    case 'reply':
      if (!isRid(m.rid)) return fail('Malformed reply');
      if (m.ok === true) return { ok: true, value: { type: 'reply', rid: m.rid, ok: true, result: m.result } };
      if (m.ok === false && isWireError(m.error)) return { ok: true, value: { type: 'reply', rid: m.rid, ok: false, error: m.error } };
      return fail('Malformed reply');
    case 'guest-joined':
      return isGuestRecord(m.guest) ? { ok: true, value: { type: 'guest-joined', guest: m.guest } } : fail('Malformed guest-joined');
    case 'guest-left':
      return isId(m.guestId) ? { ok: true, value: { type: 'guest-left', guestId: m.guestId } } : fail('Malformed guest-left');
    case 'signal':
      if (!isId(m.from) || !isSignalData(m.data)) return fail('Malformed signal');
      return { ok: true, value: { type: 'signal', from: m.from, data: cleanSignal(m.data) } };
    case 'session-ended':
      return isEndReason(m.reason) ? { ok: true, value: { type: 'session-ended', reason: m.reason } } : fail('Malformed session-ended');
    case 'error':
      return isWireError(m.error) ? { ok: true, value: { type: 'error', error: m.error } } : fail('Malformed error');
    default:
      return fail('Unknown message type');
  }
}

/** Validates a server message as seen by a guest. */
export function parseServerToGuest(raw: string): Parsed<ServerToGuest> {
  const m = parseJson(raw);
  if (!isRecord(m)) return fail('Message is not a JSON object');
  switch (m.type) {
    case 'joined':
      if (!isId(m.guestId) || !isId(m.sessionId) || !isString(m.hostName, MAX_NAME_LENGTH)
        || !isIceServers(m.iceServers) || !isRelayMode(m.relay)
        || (m.resumeToken !== undefined && !isToken(m.resumeToken))) return fail('Malformed joined');
      return {
        ok: true,
        value: {
          type: 'joined', guestId: m.guestId, sessionId: m.sessionId, hostName: m.hostName, iceServers: m.iceServers, relay: m.relay,
          ...(m.resumeToken === undefined ? {} : { resumeToken: m.resumeToken }),
        },
      };
    case 'signal':
      return isSignalData(m.data) ? { ok: true, value: { type: 'signal', data: cleanSignal(m.data) } } : fail('Malformed signal');
    case 'session-ended':
      return isEndReason(m.reason) ? { ok: true, value: { type: 'session-ended', reason: m.reason } } : fail('Malformed session-ended');
    case 'error':
      return isWireError(m.error) ? { ok: true, value: { type: 'error', error: m.error } } : fail('Malformed error');
    default:
      return fail('Unknown message type');
  }
}
