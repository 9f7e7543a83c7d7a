// The CwmnAPI facade: validates arguments, checks the state, delegates to the
// controller. Promise functions reject on misuse; value functions throw. Either
// way the error is a CwmnError with a stable code.

import {
  checkInviteParams, checkInviteToHostParams, checkReplaySendRequest, checkStartParams, CwmnError, ErrorCode,
  type DomainInfo, type InviteResult, type InviteToHostResult, type ReplaySendRequest, type SessionInfo,
} from '../protocol/index.js';
import { isBrowserCompatible } from './compat.js';
import { HostController } from './controller.js';
import { checkBoolean, checkGuestId, checkListener } from './checks.js';
import type { CwmnEventName, CwmnEvents, ReplayProgress } from './events.js';
import type { Guest } from './guest.js';
import { State } from './state-machine.js';

export interface CwmnAPIOptions {
  /** Origin of the cwmn server (the embed uses its own script's origin). */
  serverUrl: string;
  log?: (line: string) => void;
}

/** Parameters of `guest.inviteGuest`: `guestEmail` or `guestPhone` is required. */
export interface InviteParams {
  guestName?: string;
  guestEmail?: string;
  /** For an SMS invite; 10 digits are taken as a US number. */
  guestPhone?: string;
  /** Personal message (email only). */
  message?: string;
}

/** Parameters of `session.inviteToHost`: `hostEmail` or `ithJoinCode` is required. */
export interface InviteToHostParams {
  hostName?: string;
  hostEmail?: string;
  inviteName?: string;
  inviteEmail?: string;
  message?: string;
  /** Full URL where the invited user's session begins (an allowed origin). */
  url: string;
  /** The join code the invitee types at /join, or `true` for one made by the server. */
  ithJoinCode?: string | boolean;
}

/** Parameters of `session.start`. */
export interface StartParams {
  hostName?: string;
  hostEmail?: string;
  isReplay?: boolean;
}

/** The public API, as `window.CwmnAPI`. */
export interface CwmnAPI {
  on<E extends CwmnEventName>(eventName: E, callback: CwmnEvents[E]): () => void;
  once<E extends CwmnEventName>(eventName: E, callback: CwmnEvents[E]): () => void;
  off<E extends CwmnEventName>(eventName: E, callback: CwmnEvents[E]): void;
  getCurrentState(): State;
  isCompatible(): boolean;
  /** The server's answer about this domain; null until it has answered. */
  getDomainInfo(): DomainInfo | null;
  session: {
    start(params?: StartParams): Promise<SessionInfo>;
    inviteToHost(params: InviteToHostParams): Promise<InviteToHostResult>;
    endSession(): Promise<void>;
    getSessionInfo(): SessionInfo;
  };
  guest: {
    inviteGuest(params: InviteParams): Promise<InviteResult>;
    getInviteLink(): Promise<string>;
    removeGuest(guestId: string): Promise<void>;
    muteGuest(guestId: string, isHidden: boolean): void;
    muteAllGuests(isHidden: boolean): void;
    getMuteAllGuests(): boolean;
    getGuestList(): Guest[];
  };
  publicLink: {
    setEnabled(enabled: boolean): Promise<void>;
    getEnabled(): boolean;
    generate(): Promise<string>;
  };
  privacy: {
    setEnabled(enabled: boolean): void;
    getEnabled(): boolean;
  };
  replay: {
    muteAudio(muted: boolean): void;
    sendVideo(params: { toEmails: string; subject?: string; message?: string }): Promise<void>;
    getVideoURL(): string;
    abandonVideo(): Promise<void>;
    getRenderingProgress(): ReplayProgress;
    dismissError(): void;
  };
}

export function createCwmnAPI(options: CwmnAPIOptions): CwmnAPI {
  const controller = new HostController(options);
  const { events } = controller;

  /** Throws ERR_INVALID_STATE unless the current state is one of `allowed`. */
  const requireState = (fn: string, ...allowed: State[]) => {
    if (!allowed.includes(controller.state)) {
      throw new CwmnError(ErrorCode.INVALID_STATE, `${fn}() is not allowed in state '${controller.state}'`);
    }
  };
  const requireRealtime = (fn: string) => {
    requireState(fn, State.InSession);
    if (!controller.activeSession) throw new CwmnError(ErrorCode.INVALID_STATE, `${fn}() needs a realtime session`);
    return controller.activeSession;
  };
  /** Runs `body` so that a throw becomes a rejection. */
  const async = <T>(body: () => T | Promise<T>): Promise<T> => {
    try {
      return Promise.resolve(body());
    } catch (err) {
      return Promise.reject(err);
    }
  };
  const api: CwmnAPI = {
    on(eventName, callback) {
      checkListener(eventName, callback);
      return events.on(eventName, callback);
    },
    once(eventName, callback) {
      checkListener(eventName, callback);
      return events.once(eventName, callback);
    },
    off(eventName, callback) {
      checkListener(eventName, callback);
      events.off(eventName, callback);
    },
    getCurrentState: () => controller.state,
    isCompatible: () => isBrowserCompatible(),
    getDomainInfo: () => controller.domainInfo ?? null,
    session: {
      start: (params = {}) => async(() => {
        requireState('session.start', State.NoSession);
        const error = checkStartParams({ hostName: '', ...params });
        if (error) throw new CwmnError(ErrorCode.INVALID_PARAMS, error);
        // The server refuses it too (403); asking first spares a round trip and a `session failed`.
        const feature = params.isReplay === true ? 'replay' : 'realtime';
        if (controller.domainInfo?.features[feature] === false) {
          throw new CwmnError(ErrorCode.NOT_SUPPORTED, `${feature === 'replay' ? 'Replay' : 'Realtime'} sessions are not enabled for this domain`);
        }
        return controller.start({ hostName: params.hostName ?? '', hostEmail: params.hostEmail ?? '', isReplay: params.isReplay === true });
      }),
      inviteToHost: (params) => async(() => {
        requireState('session.inviteToHost', State.NoSession);
        const request = checkInviteToHostParams(params);
        if (typeof request === 'string') throw new CwmnError(ErrorCode.INVALID_PARAMS, request);
        return controller.inviteToHost(request);
      }),
      endSession: () => async(() => {
        requireState('session.endSession', State.InSession);
        return controller.end();
      }),
      getSessionInfo: () => {
        requireState('session.getSessionInfo', State.InSession);
        return controller.sessionInfo!;
      },
    },
    guest: {
      inviteGuest: (params) => async(() => {
        const session = requireRealtime('guest.inviteGuest');
        const invite = checkInviteParams(params);
        if (typeof invite === 'string') throw new CwmnError(ErrorCode.INVALID_PARAMS, invite);
        return session.inviteGuest(invite);
      }),
      getInviteLink: () => async(() => requireRealtime('guest.getInviteLink').createInviteLink()),
      removeGuest: (guestId) => async(() => {
        const session = requireRealtime('guest.removeGuest');
        checkGuestId(guestId);
        return session.removeGuest(guestId);
      }),
      muteGuest: (guestId, isHidden) => {
        const session = requireRealtime('guest.muteGuest');
        checkGuestId(guestId);
        checkBoolean('isHidden', isHidden);
        if (!session.muteGuest(guestId, isHidden)) throw new CwmnError(ErrorCode.NOT_FOUND, `No guest '${guestId}' in this session`);
      },
      muteAllGuests: (isHidden) => {
        const session = requireRealtime('guest.muteAllGuests');
        checkBoolean('isHidden', isHidden);
        session.muteAllGuests(isHidden);
      },
      getMuteAllGuests: () => requireRealtime('guest.getMuteAllGuests').muteAll,
      getGuestList: () => requireRealtime('guest.getGuestList').guestList(),
    },
    publicLink: {
      setEnabled: (enabled) => async(async () => {
        const session = requireRealtime('publicLink.setEnabled');
        checkBoolean('enabled', enabled);
        await session.setPublicLinkEnabled(enabled);
      }),
      getEnabled: () => requireRealtime('publicLink.getEnabled').publicLinkState.enabled,
      generate: () => async(() => {
        const { url } = requireRealtime('publicLink.generate').publicLinkState;
        if (url === null) throw new CwmnError(ErrorCode.INVALID_STATE, 'The public link is disabled: call publicLink.setEnabled(true) first');
        return url;
      }),
    },
    privacy: {
      setEnabled: (enabled) => {
        const session = requireRealtime('privacy.setEnabled');
        checkBoolean('enabled', enabled);
        session.setPrivacy(enabled);
      },
      getEnabled: () => requireRealtime('privacy.getEnabled').privacyEnabled,
    },
    replay: {
      muteAudio: (muted) => {
        requireState('replay.muteAudio', State.InSession);
        checkBoolean('muted', muted);
        const replay = controller.activeReplay;
        if (!replay) throw new CwmnError(ErrorCode.INVALID_STATE, 'replay.muteAudio() needs a replay session');
        replay.muteAudio(muted);
      },
      sendVideo: (params) => async(() => {
        requireState('replay.sendVideo', State.WaitingForReplay, State.ReplayComplete);
        const error = checkReplaySendRequest(params);
        if (error) throw new CwmnError(ErrorCode.INVALID_PARAMS, error);
        return controller.sendVideo(params as ReplaySendRequest);
      }),
      getVideoURL: () => {
        requireState('replay.getVideoURL', State.ReplayComplete);
        return controller.activeRender!.videoUrl ?? '';
      },
      abandonVideo: () => async(() => {
        requireState('replay.abandonVideo', State.WaitingForReplay, State.ReplayComplete);
        return controller.abandonVideo();
      }),
      getRenderingProgress: () => {
        requireState('replay.getRenderingProgress', State.WaitingForReplay, State.ReplayComplete);
        return controller.activeRender!.progress;
      },
      dismissError: () => {
        requireState('replay.dismissError', State.ReplayError);
        controller.closeReplay();
      },
    },
  };

  void controller.boot();
  return api;
}
