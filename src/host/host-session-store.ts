// Keeps the host's session in the site's sessionStorage (never a cookie on the
// server's origin): its credentials, so the next page load of the same tab
// resumes it, and the host's choices that must survive that page load.

import type { SessionInfo } from '../protocol/index.js';

const KEY = 'cwmn:host-session';

/** The host's choices that carry over to the next page. */
export interface HostPreferences {
  /** Guests the host muted. */
  muted: string[];
  muteAll: boolean;
  privacy: boolean;
  /**
   * Accept guests who cannot prove they hold the link's secret: those invited by
   * email or SMS (their links pass through the server) or through invite-to-host.
   */
  allowUnverified: boolean;
}

export interface StoredHostSession {
  serverUrl: string;
  sessionId: string;
  hostToken: string;
  /** Secret put in hand-shared invite links' fragments; authenticates the guests' peer connections. */
  linkSecret: string;
  preferences: HostPreferences;
  /**
   * The origins the session continues on when the tab goes from one to another (its own
   * first): from the domain settings' `siteOrigins` of the origin it started on. Absent: this origin only.
   */
  site?: string[];
  /** Present for a replay recording: where it is, so the next page continues it. */
  replay?: { seq: number; segment: number; audioMuted: boolean; info: SessionInfo };
}

export const DEFAULT_PREFERENCES: HostPreferences = { muted: [], muteAll: false, privacy: false, allowUnverified: false };

export class HostSessionStore {
  /** Called after every save, with what was saved. */
  onSave: (saved: StoredHostSession) => void = () => {};

  constructor(private readonly storage: Storage | undefined = safeSessionStorage()) {}

  save(value: StoredHostSession): void {
    try {
      this.storage?.setItem(KEY, JSON.stringify(value));
    } catch { /* storage full or disabled: the session still works on this page */ }
    this.onSave(value);
  }

    /** Updates part of the stored session. */
  update(change: Partial<StoredHostSession>): void {
    const current = this.load();
    if (current) this.save({ ...current, ...change });
  }

  load(): StoredHostSession | null {
    try {
      const raw = this.storage?.getItem(KEY);
      return raw ? parseStoredSession(JSON.parse(raw)) : null;
    } catch {
      return null; // Unreadable: treated as absent.
    }
  }

  clear(): void {
    try {
      this.storage?.removeItem(KEY);
    } catch { /* ignore */ }
  }
}

/** A stored session read back (from storage, or from a note an earlier page left); null when it is not one. */
export function parseStoredSession(v: unknown): StoredHostSession | null {
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Record<string, unknown>;
  if (typeof r.serverUrl !== 'string' || typeof r.sessionId !== 'string' || typeof r.hostToken !== 'string'
    || typeof r.linkSecret !== 'string') return null;
  const p = (typeof r.preferences === 'object' && r.preferences !== null ? r.preferences : {}) as Record<string, unknown>;
  const replay = r.replay as StoredHostSession['replay'] | undefined;
  const site = Array.isArray(r.site) ? r.site.filter((o): o is string => typeof o === 'string') : [];
  return {
    ...(replay && typeof replay === 'object' && Number.isInteger(replay.seq) && Number.isInteger(replay.segment)
      && typeof replay.info === 'object' ? { replay } : {}),
    ...(site.length > 0 ? { site } : {}),
    serverUrl: r.serverUrl,
    sessionId: r.sessionId,
    hostToken: r.hostToken,
    linkSecret: r.linkSecret,
    preferences: {
      muted: Array.isArray(p.muted) ? p.muted.filter((id): id is string => typeof id === 'string') : [],
      muteAll: p.muteAll === true,
      privacy: p.privacy === true,
      allowUnverified: p.allowUnverified === true,
    },
  };
}

function safeSessionStorage(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined; // Sandboxed frames may throw on access.
  }
}
