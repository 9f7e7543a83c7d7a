// The host's lifecycle on one page: initialization, starting and ending a
// session, and turning session happenings into the public events in the
// order the specification gives. The facade calls it; it never validates
// user input (the facade did).

import { Emitter } from '../common/emitter.js';
import {
  CwmnError, ErrorCode, isToken, ITH_FRAGMENT_KEY,
  type CreateSessionResponse, type DomainInfo, type InviteToHostRequest, type InviteToHostResult, type SessionInfo,
} from '../protocol/index.js';
import { isBrowserCompatible } from './compat.js';
import type { CwmnEvents } from './events.js';
import type { Guest } from './guest.js';
import { HostSessionStore, DEFAULT_PREFERENCES, type StoredHostSession } from './host-session-store.js';
import { RealtimeSession } from './realtime-session.js';
import { ServerApi } from './server-api.js';
import { SignalingClient, type Welcome } from './signaling-client.js';
import { State, StateMachine } from './state-machine.js';

export interface ControllerOptions {
  /** Origin (and optional path prefix) of the cwmn server. */
  serverUrl: string;
  /** Debug log; silent by default. */
  log?: (line: string) => void;
}

export class HostController {
  readonly events = new Emitter<CwmnEvents>();
  readonly machine: StateMachine;
  private readonly api: ServerApi;
  private readonly store = new HostSessionStore();
  private readonly log: (line: string) => void;
  private session: RealtimeSession | undefined;
  private domain: DomainInfo | undefined;

  constructor(private readonly options: ControllerOptions) {
    this.log = options.log ?? (() => {});
    this.machine = new StateMachine((line) => this.log(`state ${line}`));
    this.api = new ServerApi(options.serverUrl.replace(/\/$/, ''));
  }

  get state(): State {
    return this.machine.state;
  }

  get domainInfo(): DomainInfo | undefined {
    return this.domain && structuredClone(this.domain);
  }

  get activeSession(): RealtimeSession | undefined {
    return this.session;
  }

  /** Runs the page's initialization: `init`, then one of the ready or failed outcomes. */
  async boot(): Promise<void> {
    const domain = this.api.domainInfo().then(
      (info) => info,
      (err: unknown) => (err instanceof CwmnError ? err : new CwmnError(ErrorCode.NETWORK, String(err))),
    );
    await domReady();
    this.events.emit('init');
    if (!isBrowserCompatible()) {
      this.enter(State.Incompatible);
      this.events.emit('incompatible');
      this.events.emit('init failed');
      return;
    }
    const result = await domain;
    if (result instanceof CwmnError) {
      // Server unreachable: stay usable; `session.start` reports the failure.
      this.log(`domain information unavailable: ${result.message}`);
    } else {
      this.domain = result;
      if (!result.authorized) {
        this.enter(State.Unauthorized);
        this.events.emit('unauthorized');
        this.events.emit('init failed');
        return;
      }
    }
    const ithToken = takeIthToken();
    if (ithToken) {
      this.events.emit('ith init');
      await this.claim(ithToken).catch(() => { /* reported as `session failed` */ });
      return;
    }
    const stored = this.store.load();
    if (stored && stored.serverUrl === this.options.serverUrl) {
      await this.resume(stored).catch(() => { /* reported as `session failed` */ });
      return;
    }
    this.enter(State.NoSession);
    this.events.emit('ready no session');
  }

  /** Starts a realtime session; resolves with its info. */
  async start(params: { hostName: string; hostEmail: string }): Promise<SessionInfo> {
    return this.connect(async () => this.remember(await this.api.createSession({ ...params, isReplay: false })), false);
  }

  /** Sends an invitation to host a session on another page (the state does not change). */
  inviteToHost(request: InviteToHostRequest): Promise<InviteToHostResult> {
    return this.api.inviteToHost(request);
  }

  /** Starts hosting the session a hosting invite prepared (`ith init` was emitted). */
  private claim(token: string): Promise<SessionInfo> {
    return this.connect(async () => this.remember(await this.api.claimHostInvite(token)), false);
  }

  private remember(created: CreateSessionResponse): StoredHostSession {
    const stored = {
      serverUrl: this.options.serverUrl, sessionId: created.session.sessionId, hostToken: created.hostToken, preferences: DEFAULT_PREFERENCES,
    };
    this.store.save(stored);
    return stored;
  }

  /** Resumes the session of an earlier page of this tab: `in session` with `isResuming` true. */
  private resume(stored: StoredHostSession): Promise<SessionInfo> {
    return this.connect(async () => stored, true);
  }

  /** `session pending`, then `in session` — or `session failed` and back to `no session`. */
  private async connect(credentials: () => Promise<StoredHostSession>, resuming: boolean): Promise<SessionInfo> {
    this.enter(State.SessionPending);
    this.events.emit('session pending');
    let signaling: SignalingClient | undefined;
    try {
      const stored = await credentials();
      signaling = new SignalingClient({
        url: this.api.socketUrl, sessionId: stored.sessionId, hostToken: stored.hostToken, patient: resuming,
      });
      const welcome = await signaling.connect();
      this.session = this.createSession(signaling, welcome, resuming, stored);
      this.enter(State.InSession);
      this.events.emit('in session', resuming);
      return this.session.sessionInfo;
    } catch (err) {
      signaling?.close();
      this.store.clear();
      const error = err instanceof CwmnError ? err : new CwmnError(ErrorCode.SERVER, 'Could not start the session', { cause: err });
      this.enter(State.NoSession);
      this.events.emit('session failed', error);
      this.events.emit('ready no session');
      throw error;
    }
  }

  /** Ends the session being hosted. */
  async end(): Promise<void> {
    const session = this.session;
    if (!session) return;
    try {
      await session.end();
    } catch (err) {
      // The session is over on this page whatever the server said; it expires there.
      this.log(`end-session not confirmed: ${String(err)}`);
    } finally {
      this.finish();
    }
  }

  private createSession(signaling: SignalingClient, welcome: Welcome, resuming: boolean, stored: StoredHostSession): RealtimeSession {
    const settings = this.domain?.settings;
    const maskRules = { maskSelectors: stringList(settings?.maskSelectors), blockSelectors: stringList(settings?.blockSelectors) };
    const session = new RealtimeSession({
      signaling, welcome, maskRules, resuming, preferences: stored.preferences, log: this.log,
    });
    session.on('preferences', (preferences) => this.store.savePreferences(preferences));
    const e = this.events;
    session.on('guestConnected', (g: Guest) => e.emit('guest connected', g.id, g));
    session.on('guestDisconnected', (g: Guest) => e.emit('guest disconnected', g.id, g));
    session.on('roomdata', (list) => e.emit('roomdata update', list));
    session.on('click', (id, x, y) => e.emit('click', id, { x, y }));
    session.on('connectionIssue', () => e.emit('connection issue'));
    session.on('connectionResolved', () => e.emit('connection issue resolved'));
    session.on('ended', (reason) => {
      if (reason === 'expired') e.emit('expired');
      this.finish();
    });
    return session;
  }

  /** After a realtime session: `end session` → `reinit` → `ready no session`. */
  private finish(): void {
    if (!this.session) return;
    this.session.destroy();
    this.session = undefined;
    this.store.clear();
    this.events.emit('end session');
    this.enter(State.Init);
    this.events.emit('reinit');
    this.enter(State.NoSession);
    this.events.emit('ready no session');
  }

  private enter(state: State): void {
    this.machine.set(state);
  }
}

/**
 * Takes a hosting-invite token from the page's URL fragment (never sent to any
 * server by the browser) and removes it from the address bar.
 */
function takeIthToken(): string | null {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get(ITH_FRAGMENT_KEY);
  if (!token) return null;
  params.delete(ITH_FRAGMENT_KEY);
  const rest = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  return isToken(token) ? token : null;
}

/** The strings of a list from the server, ignoring anything else. */
function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function domReady(): Promise<void> {
  return new Promise((resolve) => {
    // Always at least one task later, so inline scripts after the embed can subscribe first.
    const go = () => setTimeout(resolve, 0);
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', go, { once: true });
    else go();
  });
}
