// The CwmnAPI facade: validates arguments, checks the state, delegates to the
// controller. Promise functions reject on misuse; value functions throw. Either
// way the error is a CwmnError with a stable code.

import { checkStartParams, CwmnError, ErrorCode, type DomainInfo, type SessionInfo } from '../protocol/index.js';
import { isBrowserCompatible } from './compat.js';
import { HostController } from './controller.js';
import { EVENT_NAMES, type CwmnEventName, type CwmnEvents, type ReplayProgress } from './events.js';
import type { Guest } from './guest.js';
import { State } from './state-machine.js';

export interface CwmnAPIOptions {
  /** Origin of the cwmn server (the embed uses its own script's origin). */
  serverUrl: string;
  log?: (line: string) => void;
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
    inviteToHost(params: Record<string, unknown>): Promise<unknown>;
    endSession(): Promise<void>;
    getSessionInfo(): SessionInfo;
  };
  guest: {
    inviteGuest(params: Record<string, unknown>): Promise<unknown>;
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
    sendVideo(params: Record<string, unknown>): Promise<void>;
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
  const notYet = (fn: string): never => {
    throw new CwmnError(ErrorCode.NOT_SUPPORTED, `${fn}() is not available in this version of cwmn`);
  };
  /** Runs `body` so that a throw becomes a rejection. */
  const async = <T>(body: () => T | Promise<T>): Promise<T> => {
    try {
      return Promise.resolve(body());
    } catch (err) {
      return Promise.reject(err);
    }
  };
  const checkListener = (eventName: unknown, callback: unknown) => {
    if (!EVENT_NAMES.includes(eventName as CwmnEventName)) {
      throw new CwmnError(ErrorCode.INVALID_PARAMS, `Unknown event '${String(eventName)}'`);
    }
    if (typeof callback !== 'function') throw new CwmnError(ErrorCode.INVALID_PARAMS, 'callback must be a function');
  };
  const checkBoolean = (name: string, value: unknown) => {
    if (typeof value !== 'boolean') throw new CwmnError(ErrorCode.INVALID_PARAMS, `${name} must be a boolean`);
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
        if (params.isReplay) notYet('session.start({isReplay: true})');
        return controller.start({ hostName: params.hostName ?? '', hostEmail: params.hostEmail ?? '' });
      }),
      inviteToHost: () => async(() => {
        requireState('session.inviteToHost', State.NoSession);
        return notYet('session.inviteToHost');
      }),
      endSession: () => async(() => {
        requireState('session.endSession', State.InSession);
        return controller.end();
      }),
      getSessionInfo: () => {
        requireState('session.getSessionInfo', State.InSession);
        return controller.activeSession!.sessionInfo;
      },
    },
    guest: {
      inviteGuest: () => async(() => {
        requireRealtime('guest.inviteGuest');
        return notYet('guest.inviteGuest');
      }),
      getInviteLink: () => async(() => requireRealtime('guest.getInviteLink').createInviteLink()),
      removeGuest: () => async(() => {
        requireRealtime('guest.removeGuest');
        return notYet('guest.removeGuest');
      }),
      muteGuest: () => {
        requireRealtime('guest.muteGuest');
        notYet('guest.muteGuest');
      },
      muteAllGuests: (isHidden) => {
        requireRealtime('guest.muteAllGuests');
        checkBoolean('isHidden', isHidden);
        notYet('guest.muteAllGuests');
      },
      getMuteAllGuests: () => {
        requireRealtime('guest.getMuteAllGuests');
        return notYet('guest.getMuteAllGuests');
      },
      getGuestList: () => requireRealtime('guest.getGuestList').guestList(),
    },
    publicLink: {
      setEnabled: () => async(() => {
        requireRealtime('publicLink.setEnabled');
        return notYet('publicLink.setEnabled');
      }),
      getEnabled: () => {
        requireRealtime('publicLink.getEnabled');
        return notYet('publicLink.getEnabled');
      },
      generate: () => async(() => {
        requireRealtime('publicLink.generate');
        return notYet('publicLink.generate');
      }),
    },
    privacy: {
      setEnabled: () => {
        requireRealtime('privacy.setEnabled');
        notYet('privacy.setEnabled');
      },
      getEnabled: () => {
        requireRealtime('privacy.getEnabled');
        return notYet('privacy.getEnabled');
      },
    },
    replay: {
      muteAudio: () => {
        requireState('replay.muteAudio', State.InSession);
        notYet('replay.muteAudio');
      },
      sendVideo: () => async(() => {
        requireState('replay.sendVideo', State.WaitingForReplay, State.ReplayComplete);
        return notYet('replay.sendVideo');
      }),
      getVideoURL: () => {
        requireState('replay.getVideoURL', State.ReplayComplete);
        return notYet('replay.getVideoURL');
      },
      abandonVideo: () => async(() => {
        requireState('replay.abandonVideo', State.WaitingForReplay, State.ReplayComplete);
        return notYet('replay.abandonVideo');
      }),
      getRenderingProgress: () => {
        requireState('replay.getRenderingProgress', State.WaitingForReplay, State.ReplayComplete);
        return notYet('replay.getRenderingProgress');
      },
      dismissError: () => {
        requireState('replay.dismissError', State.ReplayError);
        notYet('replay.dismissError');
      },
    },
  };

  void controller.boot();
  return api;
}
