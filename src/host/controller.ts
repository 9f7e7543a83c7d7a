// The host's lifecycle on one page: initialization, starting and ending a
// session, and turning session happenings into the public events in the
// order the specification gives. The facade calls it; it never validates
// user input (the facade did).

import { Emitter } from '../common/emitter.js';
import {
  CwmnError, ErrorCode, isToken, ITH_FRAGMENT_KEY,
  type CreateSessionResponse, type DomainInfo, type InviteToHostRequest, type InviteToHostResult, type ReplaySendRequest,
  type SessionInfo,
} from '../protocol/index.js';
import { isBrowserCompatible } from './compat.js';
import type { CwmnEvents } from './events.js';
import type { Guest } from './guest.js';
import { HostSessionStore, DEFAULT_PREFERENCES, type StoredHostSession } from './host-session-store.js';
import type { MaskRules } from './masking.js';
import { RealtimeSession } from './realtime-session.js';
import { RenderWatch } from './replay/render-watch.js';
import { ReplayApi } from './replay/replay-api.js';
import { ReplaySession } from './replay/replay-session.js';
import { newLinkSecret } from '../peer/sdp-auth.js';
import { ServerApi } from './server-api.js';
import { SiteHandoff, takeHandoffNote, type HandoffNote } from './site-handoff.js';
import { SignalingClient, type Welcome } from './signaling-client.js';
import { State, StateMachine } from './state-machine.js';

/** How long `init` waits for the server's domain answer (it usually comes before the DOM is ready). */
export const DOMAIN_WAIT_MS = 1_000;

/** What a session is hosted with: as stored, and the handoff token the server or the last page already gave it. */
interface Credentials {
  stored: StoredHostSession;
  /** Absent: the page asks for one when the session's site has other origins. */
  handoffToken?: string;
}

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
  private replay: ReplaySession | undefined;
  private render: RenderWatch | undefined;
  private domain: DomainInfo | undefined;
  private readonly handoff: SiteHandoff;

  constructor(private readonly options: ControllerOptions) {
    this.log = options.log ?? (() => {});
    this.machine = new StateMachine((line) => this.log(`state ${line}`));
    this.api = new ServerApi(options.serverUrl.replace(/\/$/, ''));
    this.handoff = new SiteHandoff({
      issue: (sessionId, hostToken) => this.api.issueHandoff(sessionId, hostToken), stored: () => this.store.load(), log: this.log,
    });
    this.store.onSave = (saved) => this.handoff.refresh(saved);
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

  get activeReplay(): ReplaySession | undefined {
    return this.replay;
  }

  /** The render of the last replay, while waiting for it or once complete. */
  get activeRender(): RenderWatch | undefined {
    return this.render;
  }

  /** Info of the session being hosted (realtime or replay). */
  get sessionInfo(): SessionInfo | undefined {
    return this.session?.sessionInfo ?? this.replay?.sessionInfo;
  }

  /** Runs the page's initialization: `init`, then one of the ready or failed outcomes. */
  async boot(): Promise<void> {
    const domain = this.api.domainInfo().then(
      (info) => info,
      (err: unknown) => (err instanceof CwmnError ? err : new CwmnError(ErrorCode.NETWORK, String(err))),
    );
    await domReady();
    // A moment's wait for the server's answer, so that `getDomainInfo()` has it in an `init` handler.
    const early = await Promise.race([domain, new Promise<undefined>((resolve) => setTimeout(resolve, DOMAIN_WAIT_MS))]);
    if (early && !(early instanceof CwmnError)) this.domain = early;
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
      this.enter(State.SessionPending); // `ith init` occurs in `session pending`, as the specification has it.
      this.events.emit('ith init');
      await this.claim(ithToken).catch(() => { /* reported as `session failed` */ });
      return;
    }
    if (await this.continueEarlierSession()) return;
    this.enter(State.NoSession);
    this.events.emit('ready no session');
  }

  /**
   * Continues the session an earlier page of this tab hosted: from this origin's storage,
   * or from the note a page on another origin of the site left (when both exist, the note
   * is the newer word). False when there is none.
   */
  private async continueEarlierSession(): Promise<boolean> {
    const note = takeHandoffNote();
    const noted = note && note.session.serverUrl === this.options.serverUrl && note.session.site?.includes(location.origin) ? note : null;
    const stored = this.store.load();
    const own = stored && stored.serverUrl === this.options.serverUrl ? stored : null;
    let credentials: () => Promise<Credentials>;
    if (own && (!noted || noted.session.sessionId === own.sessionId)) {
      const latest = noted ? { ...noted.session, hostToken: own.hostToken } : own;
      if (noted) this.store.save(latest);
      // A note's token was not traded: it is still this session's.
      credentials = async () => ({ stored: latest, handoffToken: noted?.token });
    } else if (noted) {
      credentials = () => this.adopt(noted);
    } else {
      return false;
    }
    await this.connect(credentials, true).catch(() => { /* reported as `session failed` */ });
    return true;
  }

  /** Starts a realtime or replay session; resolves with its info. */
  async start(params: { hostName: string; hostEmail: string; isReplay: boolean }): Promise<SessionInfo> {
    return this.connect(async () => this.remember(await this.api.createSession(params)), false);
  }

  /** Sends an invitation to host a session on another page (the state does not change). */
  inviteToHost(request: InviteToHostRequest): Promise<InviteToHostResult> {
    return this.api.inviteToHost(request);
  }

  /** Starts hosting the session a hosting invite prepared (`ith init` was emitted). */
  private claim(token: string): Promise<SessionInfo> {
    // The inviter watches through a guest link the server made: it carries no secret.
    return this.connect(async () => this.remember(await this.api.claimHostInvite(token), true), false);
  }

  private remember(created: CreateSessionResponse, allowUnverified = false): Credentials {
    const stored: StoredHostSession = {
      serverUrl: this.options.serverUrl,
      sessionId: created.session.sessionId,
      hostToken: created.hostToken,
      linkSecret: newLinkSecret(),
      preferences: { ...DEFAULT_PREFERENCES, allowUnverified },
      ...siteOf(this.domain),
      ...(created.session.isReplay ? { replay: { seq: 0, segment: 0, audioMuted: false, info: created.session } } : {}),
    };
    this.store.save(stored);
    return { stored, handoffToken: created.handoffToken };
  }

  /** Trades the note of a page on another origin of the site for its session, kept here from now on. */
  private async adopt(note: HandoffNote): Promise<Credentials> {
    const { hostToken, handoffToken } = await this.api.redeemHandoff(note.token);
    const stored: StoredHostSession = { ...note.session, hostToken };
    this.store.save(stored);
    return { stored, handoffToken };
  }

  /** `session pending`, then `in session` — or `session failed` and back to `no session`. */
  private async connect(credentials: () => Promise<Credentials>, resuming: boolean): Promise<SessionInfo> {
    this.enter(State.SessionPending);
    this.events.emit('session pending');
    let signaling: SignalingClient | undefined;
    try {
      const { stored, handoffToken } = await credentials();
      let info: SessionInfo;
      if (stored.replay) {
        this.replay = this.createReplay(stored, stored.replay);
        info = this.replay.sessionInfo;
      } else {
        signaling = new SignalingClient({
          url: this.api.socketUrl, sessionId: stored.sessionId, hostToken: stored.hostToken, patient: resuming,
        });
        const welcome = await signaling.connect();
        this.session = this.createSession(signaling, welcome, resuming, stored);
        info = this.session.sessionInfo;
      }
      this.enter(State.InSession);
      this.events.emit('in session', resuming);
      if ((stored.site?.length ?? 0) > 1) void this.handoff.arm(stored, handoffToken);
      return info;
    } catch (err) {
      signaling?.close();
      this.store.clear();
      const error = err instanceof CwmnError ? err : new CwmnError(ErrorCode.SERVER, 'Could not start the session', { cause: err });
      this.events.emit('session failed', error); // Still in `session pending`, as the specification has it.
      this.enter(State.NoSession);
      this.events.emit('ready no session');
      throw error;
    }
  }

  /** Ends the session being hosted. */
  async end(): Promise<void> {
    if (this.replay) return this.endReplay();
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
    const session = new RealtimeSession({
      signaling, welcome, maskRules: this.maskRules(), resuming, preferences: stored.preferences, linkSecret: stored.linkSecret, log: this.log,
    });
    session.on('preferences', (preferences) => this.store.update({ preferences }));
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

  private createReplay(stored: StoredHostSession, position: NonNullable<StoredHostSession['replay']>): ReplaySession {
    const api = new ReplayApi(this.options.serverUrl, stored.sessionId, stored.hostToken);
    const replay = new ReplaySession({ api, info: position.info, position, maskRules: this.maskRules() });
    replay.on('progress', (p) => this.store.update({ replay: { ...p, info: position.info } }));
    replay.on('timeoutWarning', (message) => this.events.emit('replay timeout warning', message));
    replay.on('timeout', () => {
      this.events.emit('replay timeout');
      void this.endReplay();
    });
    this.render = undefined;
    return replay;
  }

  /** Ends a replay recording: `end session` → `waiting for replay` → progress… → `replay complete` | `replay error`. */
  private async endReplay(): Promise<void> {
    const replay = this.replay;
    if (!replay) return;
    this.replay = undefined;
    this.handoff.disarm();
    this.store.clear();
    this.events.emit('end session');
    this.enter(State.WaitingForReplay);
    this.events.emit('waiting for replay');
    const render = new RenderWatch(replay.api);
    this.render = render;
    render.on('progress', (p) => this.events.emit('replay progress', p));
    render.on('complete', () => {
      this.enter(State.ReplayComplete);
      this.events.emit('replay complete');
    });
    render.on('error', (reason) => {
      this.log(`replay failed: ${reason}`);
      if (this.state !== State.WaitingForReplay) return;
      this.enter(State.ReplayError);
      this.events.emit('replay error', reason);
    });
    render.on('sent', () => this.closeReplay());
    render.on('sendFailed', (reason) => this.log(`replay video not sent: ${reason}`));
    try {
      await replay.finish();
    } catch (err) {
      this.log(`replay upload failed: ${String(err)}`);
      // The server renders what it has once it notices the recording stopped.
    }
  }

  /** Sends the replay's video (at once when rendered, else as soon as it is); once sent, back to `no session`. */
  async sendVideo(request: ReplaySendRequest): Promise<void> {
    const render = this.render;
    if (!render) return;
    // Asked while rendering: resolves once the mail went out, rejects when it could not (nothing fails silently).
    if ((await render.send(request)) === 'pending') await render.whenSent();
    this.closeReplay();
  }

  async abandonVideo(): Promise<void> {
    const render = this.render;
    if (!render) return;
    await render.abandon();
    this.closeReplay();
  }

  /** After a replay: `reinit` → `ready no session`. */
  closeReplay(): void {
    if (!this.render) return;
    this.render.stop();
    this.render = undefined;
    this.enter(State.Init);
    this.events.emit('reinit');
    this.enter(State.NoSession);
    this.events.emit('ready no session');
  }

  private maskRules(): MaskRules {
    const settings = this.domain?.settings;
    return { maskSelectors: stringList(settings?.maskSelectors), blockSelectors: stringList(settings?.blockSelectors) };
  }

  /** After a realtime session: `end session` → `reinit` → `ready no session`. */
  private finish(): void {
    if (!this.session) return;
    this.session.destroy();
    this.session = undefined;
    this.handoff.disarm();
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
  const parts = location.hash.replace(/^#/, '').split('&');
  const prefix = `${ITH_FRAGMENT_KEY}=`;
  const found = parts.find((p) => p.startsWith(prefix));
  if (!found) return null;
  const rest = parts.filter((p) => p !== found && p !== '').join('&');
  history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  const token = decodeURIComponent(found.slice(prefix.length));
  return isToken(token) ? token : null;
}

/** The origins a session started on this page continues on, when the domain's settings list others. */
function siteOf(domain: DomainInfo | undefined): Pick<StoredHostSession, 'site'> {
  const others = stringList(domain?.settings.siteOrigins);
  return others.length > 0 ? { site: [location.origin, ...others] } : {};
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
