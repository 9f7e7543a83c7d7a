// Keeps a guest's resume credentials in the viewer's sessionStorage, keyed by
// the link's token, so reloading the viewer rejoins as the same guest without
// spending a new link.

export interface Credentials {
  guestId: string;
  resumeToken: string;
}

export class GuestCredentials {
  private readonly key: string;

  constructor(linkToken: string, private readonly storage: Storage | undefined = safeSessionStorage()) {
    this.key = `cwmn:guest:${linkToken}`;
  }

  load(): Credentials | null {
    try {
      const v: unknown = JSON.parse(this.storage?.getItem(this.key) ?? 'null');
      if (typeof v === 'object' && v !== null && 'guestId' in v && 'resumeToken' in v
        && typeof v.guestId === 'string' && typeof v.resumeToken === 'string') return { guestId: v.guestId, resumeToken: v.resumeToken };
    } catch { /* unreadable: treated as absent */ }
    return null;
  }

  save(credentials: Credentials): void {
    try {
      this.storage?.setItem(this.key, JSON.stringify(credentials));
    } catch { /* storage unavailable: a reload then needs a new link */ }
  }

  clear(): void {
    try {
      this.storage?.removeItem(this.key);
    } catch { /* ignore */ }
  }
}

function safeSessionStorage(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}
