// Carrying the host's session to another origin of the site. The session is
// kept in sessionStorage, which each origin has its own of; `window.name` is
// the one thing a tab keeps across a navigation to another origin of the same
// site (browsers clear it when the navigation goes to another site). So while a
// session of a site with other origins runs, its page keeps a note there: the
// stored session with a single-use handoff token in place of the host token,
// which the next page trades at the server (see the server's handoffs.ts). The
// note is kept current rather than written as the page goes: Chromium does not
// carry a name set during `pagehide` over to a page of another origin. The next
// page takes the note out at once, giving the site its name back.

import { isToken } from '../protocol/index.js';
import { parseStoredSession, type StoredHostSession } from './host-session-store.js';

const PREFIX = 'cwmn-handoff:v1:';

/** What a page leaves for the next one: its stored session, with a handoff token instead of the host token. */
export interface HandoffNote {
  session: Omit<StoredHostSession, 'hostToken'>;
  token: string;
}

/** Takes the note an earlier page of this tab left (null when there is none), and restores the name the site gave the tab. */
export function takeHandoffNote(): HandoffNote | null {
  if (!window.name.startsWith(PREFIX)) return null;
  const { note, name } = readName();
  window.name = name;
  const { token, session } = (typeof note === 'object' && note !== null ? note : {}) as { token?: unknown; session?: unknown };
  const parsed = parseStoredSession({ ...(typeof session === 'object' ? session : {}), hostToken: '' });
  if (!isToken(token) || !parsed) return null;
  const { hostToken: _none, ...rest } = parsed;
  return { session: rest, token };
}

/** What `SiteHandoff` needs. */
export interface SiteHandoffOptions {
  /** Asks the server for a new handoff token of the session. */
  issue: (sessionId: string, hostToken: string) => Promise<string>;
  /** The session as stored now (its preferences change during the session). */
  stored: () => StoredHostSession | null;
  log: (line: string) => void;
}

/** Keeps a note for the next page of the site in `window.name` while a session runs. */
export class SiteHandoff {
  private sessionId: string | undefined;
  private token: string | undefined;

  constructor(private readonly options: SiteHandoffOptions) {}

  /** Leaves the note, with `token` when the page has one for the session already, else with one it asks for. */
  async arm(stored: StoredHostSession, token?: string): Promise<void> {
    this.disarm();
    const { sessionId } = stored;
    this.sessionId = sessionId;
    try {
      token ??= await this.options.issue(sessionId, stored.hostToken);
    } catch (err) {
      this.options.log(`handoff unavailable: ${String(err)}; the session continues on this origin only`);
      return;
    }
    if (this.sessionId !== sessionId) return; // Disarmed meanwhile: the session ended.
    this.token = token;
    this.refresh();
  }

  /** Writes the note again: the stored session changed (the host's preferences, the replay's position). */
  refresh(current = this.options.stored()): void {
    if (this.token === undefined || !current || current.sessionId !== this.sessionId) return;
    const { hostToken: _kept, ...session } = current;
    const note: HandoffNote = { session, token: this.token };
    window.name = PREFIX + JSON.stringify({ note, name: readName().name });
  }

  /** Takes the note away, giving the site its name back (the session ended). Idempotent. */
  disarm(): void {
    if (this.token !== undefined) window.name = readName().name;
    this.token = undefined;
    this.sessionId = undefined;
  }
}

/** The note in `window.name` (unchecked), and the name the site gave the tab. */
function readName(): { note: unknown; name: string } {
  if (!window.name.startsWith(PREFIX)) return { note: null, name: window.name };
  try {
    const left = JSON.parse(window.name.slice(PREFIX.length)) as { note?: unknown; name?: unknown } | null;
    return { note: left?.note ?? null, name: typeof left?.name === 'string' ? left.name : '' };
  } catch {
    return { note: null, name: '' };
  }
}
