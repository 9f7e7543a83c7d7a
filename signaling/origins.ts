// Which web origins may use the server, and the CORS headers that follow.

import type { OutgoingHttpHeaders } from 'node:http';

/** How long browsers may cache a CORS preflight answer, in seconds. */
export const CORS_MAX_AGE_SECONDS = 600;

/** Returns the canonical form of an http(s) origin (`scheme://host[:port]`), or null. */
export function normalizeOrigin(value: string | undefined | null): string | null {
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  // An origin has no path, query or credentials: "https://a.com/" is accepted, "https://a.com/x" is not.
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return null;
  return url.origin;
}

/** A set of normalized origins (a `Set`, or the keys of a `Map`). */
export type OriginSet = Pick<ReadonlySet<string>, 'has' | 'size'>;

const NONE: OriginSet = new Set();

/** The origin rules of one running server. */
export class OriginPolicy {
  private readonly allowed: Set<string>;
  private readonly own: Set<string>;

  /**
   * @param allowedOrigins origins allowed to host (`CWMN_ALLOWED_ORIGINS`)
   * @param ownUrls URLs of the server itself (public URL, bound address): always allowed
   * @param listedOrigins origins the domain settings file lists, as it is now: allowed too.
   *   With neither list, every origin is allowed.
   */
  constructor(
    allowedOrigins: readonly string[],
    ownUrls: readonly string[],
    private readonly listedOrigins: () => OriginSet = () => NONE,
  ) {
    this.allowed = new Set(allowedOrigins);
    this.own = new Set(ownUrls.map((u) => normalizeOrigin(new URL(u).origin)).filter((o): o is string => o !== null));
  }

  /** True when any origin may host (no list configured). */
  get isOpen(): boolean {
    return this.allowed.size === 0 && this.listedOrigins().size === 0;
  }

  /** True when `origin` is the server's own origin. */
  isOwn(origin: string | undefined): boolean {
    const o = normalizeOrigin(origin);
    return o !== null && this.own.has(o);
  }

  /**
   * True when a page on `origin` may host a session (and open guest sockets).
   * With no list every origin is allowed, even a missing or opaque one; with a
   * list only listed origins and the server's own.
   */
  isAllowed(origin: string | undefined): boolean {
    const listed = this.listedOrigins();
    if (this.allowed.size === 0 && listed.size === 0) return true;
    const o = normalizeOrigin(origin);
    return o !== null && (this.allowed.has(o) || this.own.has(o) || listed.has(o));
  }

  /**
   * True when a page on `caller` may send someone to a page on `target` (an invite to host
   * lands there): with a list, any allowed origin; with none, only the caller's own origin
   * or the server's, so that an open server is no open redirect.
   */
  mayLeadTo(target: string, caller: string | undefined): boolean {
    if (!this.isOpen) return this.isAllowed(target);
    const t = normalizeOrigin(target);
    return t !== null && (this.own.has(t) || t === normalizeOrigin(caller));
  }

  /** CORS headers for an API answer to `origin`: the origin reflected when allowed, none otherwise. */
  corsHeaders(origin: string | undefined): OutgoingHttpHeaders {
    if (!origin || !this.isAllowed(origin)) return { Vary: 'Origin' };
    return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
  }

  /** Headers answering a CORS preflight for a JSON POST from an allowed `origin`. */
  preflightHeaders(origin: string): OutgoingHttpHeaders {
    return {
      ...this.corsHeaders(origin),
      'Access-Control-Allow-Methods': 'POST',
      'Access-Control-Allow-Headers': 'Content-Type',
      'Access-Control-Max-Age': String(CORS_MAX_AGE_SECONDS),
    };
  }
}
