// Keeps the host's session credentials in the site's sessionStorage (never a
// cookie on the server's origin), so a later page load of the same tab can
// find its session.

const KEY = 'cwmn:host-session';

export interface StoredHostSession {
  serverUrl: string;
  sessionId: string;
  hostToken: string;
}

export class HostTokenStore {
  constructor(private readonly storage: Storage | undefined = safeSessionStorage()) {}

  save(value: StoredHostSession): void {
    try {
      this.storage?.setItem(KEY, JSON.stringify(value));
    } catch { /* storage full or disabled: the session still works on this page */ }
  }

  load(): StoredHostSession | null {
    try {
      const raw = this.storage?.getItem(KEY);
      const v: unknown = raw ? JSON.parse(raw) : null;
      if (typeof v === 'object' && v !== null && 'sessionId' in v && 'hostToken' in v && 'serverUrl' in v) {
        return v as StoredHostSession;
      }
    } catch { /* unreadable: treated as absent */ }
    return null;
  }

  clear(): void {
    try {
      this.storage?.removeItem(KEY);
    } catch { /* ignore */ }
  }
}

function safeSessionStorage(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined; // Sandboxed frames may throw on access.
  }
}
