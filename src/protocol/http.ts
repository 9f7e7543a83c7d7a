// Bodies of the server's HTTP API, shared by the embed and the server.

import { isEmail, isRecord, isString } from './guards.js';
import { MAX_EMAIL_LENGTH, MAX_NAME_LENGTH } from './limits.js';
import type { SessionInfo } from './signaling.js';

/** Features a domain may use; all on unless the server's domain settings (`CWMN_DOMAINS_FILE`) say otherwise. */
export interface DomainFeatures {
  realtime: boolean;
  replay: boolean;
}

/** `getDomainInfo()`: what the server says about the page's domain. */
export interface DomainInfo {
  domain: string;
  authorized: boolean;
  features: DomainFeatures;
  settings: {
    /** Maximum realtime session length, in seconds. */
    sessionMaxSeconds: number;
    /** Extra CSS selectors whose text and input values are masked on the host. */
    maskSelectors?: string[];
    /** Extra CSS selectors replaced by a placeholder on the host. */
    blockSelectors?: string[];
    /** Most guests in one session at a time; null: no limit. */
    maxGuests?: number | null;
    /** Other origins of the site: a session started here continues when the host's tab goes on to one of them. */
    siteOrigins?: string[];
  };
}

/** POST /api/sessions */
export interface CreateSessionRequest {
  hostName: string;
  hostEmail: string;
  isReplay: boolean;
}

export interface CreateSessionResponse {
  session: SessionInfo;
  /** Secret proving the holder is the host; kept in the site's sessionStorage. */
  hostToken: string;
  /** When the session's origin lists `siteOrigins`: the token the page leaves for the next page of the site. */
  handoffToken?: string;
}

/** POST /api/sessions/<id>/handoff (with the host token): the token the page leaves for the next page of the site. */
export interface HandoffIssueResponse {
  token: string;
}

/** POST /api/handoff: a page of another origin of the site trades the last page's handoff token for the session. */
export interface HandoffRedeemRequest {
  token: string;
}

/** The session, its host token, and a fresh handoff token for the page that traded the last one. */
export type HandoffRedeemResponse = Required<CreateSessionResponse>;

/** Validates the parameters of `session.start`; returns an error message or null. */
export function checkStartParams(p: unknown): string | null {
  if (!isRecord(p)) return 'params must be an object';
  if (!isString(p.hostName, MAX_NAME_LENGTH)) return `hostName must be a string of at most ${MAX_NAME_LENGTH} characters`;
  if (p.hostEmail !== undefined && p.hostEmail !== '' && !isEmail(p.hostEmail)) return 'hostEmail must be a valid email address';
  if (typeof p.hostEmail === 'string' && p.hostEmail.length > MAX_EMAIL_LENGTH) return 'hostEmail is too long';
  if (p.isReplay !== undefined && typeof p.isReplay !== 'boolean') return 'isReplay must be a boolean';
  return null;
}

export function isDomainInfo(v: unknown): v is DomainInfo {
  return isRecord(v) && typeof v.domain === 'string' && typeof v.authorized === 'boolean'
    && isRecord(v.features) && isRecord(v.settings);
}
