// Invite to host ("with me"): an agent invites someone to host a session on a
// page of the site, by email or with a join code typed at the server's /join.

import { cleanName, isEmail, isRecord, isString } from './guards.js';
import { MAX_INVITE_MESSAGE_LENGTH, MAX_NAME_LENGTH } from './limits.js';
import type { CreateSessionResponse } from './http.js';

/** The URL fragment that tells the embed on the landing page to claim a hosting invite. */
export const ITH_FRAGMENT_KEY = 'cwmn-ith';
/** Join codes: 6–12 characters of this alphabet (no look-alikes: no 0/O, 1/I/L). */
export const JOIN_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** POST /api/ith — the body, as validated by `checkInviteToHostParams`. */
export interface InviteToHostRequest {
  hostName: string;
  hostEmail: string;
  inviteName: string;
  inviteEmail: string;
  message: string;
  /** Absolute http(s) URL of an allowed origin where the invitee's session begins. */
  url: string;
  /** The caller's join code, `true` for one made by the server, or absent. */
  ithJoinCode?: string | true;
}

/** What `session.inviteToHost` resolves with. */
export interface InviteToHostResult {
  /** Opening it lands on `url` and starts hosting there. */
  hostLink: string;
  /** The inviter watches the new session through it. */
  guestLink: string;
  joinCode?: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** POST /api/ith/claim — the embed on the landing page presents the token from the fragment. */
export interface ClaimRequest {
  token: string;
}
export type ClaimResponse = CreateSessionResponse;

/** POST /api/join — the /join page presents a code; the answer says where to go. */
export interface JoinCodeRequest {
  code: string;
}
export interface JoinCodeResponse {
  /** `url` with the claim token in its fragment. */
  redirect: string;
}

/** Normalizes a typed join code (case, spaces, dashes); null when it cannot be one. */
export function normalizeJoinCode(raw: string): string | null {
  const code = raw.toUpperCase().replace(/[\s-]/g, '');
  if (code.length < 6 || code.length > 12) return null;
  for (const ch of code) if (!JOIN_CODE_ALPHABET.includes(ch)) return null;
  return code;
}

/** Validates the parameters of `session.inviteToHost`; returns the request or a readable reason. */
export function checkInviteToHostParams(p: unknown): InviteToHostRequest | string {
  if (!isRecord(p)) return 'params must be an object';
  const { hostName = '', hostEmail = '', inviteName = '', inviteEmail = '', message = '', url, ithJoinCode } = p;
  for (const [name, value] of [['hostName', hostName], ['inviteName', inviteName]] as const) {
    if (!isString(value, MAX_NAME_LENGTH)) return `${name} must be a string of at most ${MAX_NAME_LENGTH} characters`;
  }
  if (!isString(message, MAX_INVITE_MESSAGE_LENGTH)) return `message must be a string of at most ${MAX_INVITE_MESSAGE_LENGTH} characters`;
  if (hostEmail !== '' && !isEmail(hostEmail)) return 'hostEmail must be a valid email address';
  if (inviteEmail !== '' && !isEmail(inviteEmail)) return 'inviteEmail must be a valid email address';
  if (typeof url !== 'string' || !isHttpUrl(url)) return 'url must be an absolute http(s) URL';
  let code: string | true | undefined;
  if (ithJoinCode === true) code = true;
  else if (typeof ithJoinCode === 'string' && ithJoinCode !== '') {
    const normalized = normalizeJoinCode(ithJoinCode);
    if (!normalized) return `ithJoinCode must be 6–12 characters of ${JOIN_CODE_ALPHABET}`;
    code = normalized;
  } else if (ithJoinCode !== undefined && ithJoinCode !== false && ithJoinCode !== '') {
    return 'ithJoinCode must be a string or true';
  }
  if (hostEmail === '' && code === undefined) return 'hostEmail or ithJoinCode is required';
  if (inviteEmail === '' && code === undefined) return 'inviteEmail or ithJoinCode is required';
  return {
    hostName: cleanName(hostName as string), hostEmail: hostEmail as string, inviteName: cleanName(inviteName as string),
    inviteEmail: inviteEmail as string, message: (message as string).trim(), url,
    ...(code === undefined ? {} : { ithJoinCode: code }),
  };
}

function isHttpUrl(value: string): boolean {
  if (value.length > 2048) return false;
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

export function isInviteToHostResult(v: unknown): v is InviteToHostResult {
  return isRecord(v) && typeof v.hostLink === 'string' && typeof v.guestLink === 'string'
    && typeof v.expiresAt === 'number' && (v.joinCode === undefined || typeof v.joinCode === 'string');
}
