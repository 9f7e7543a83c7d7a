// The public events of CwmnAPI: names exactly as the specification spells them,
// and the arguments each one passes (positional).

import type { Guest } from './guest.js';

/** Progress of a replay render. */
export interface ReplayProgress {
  /** 0 … 1. */
  progress: number;
  completed: boolean;
}

/** Every event a page can subscribe to with `CwmnAPI.on` / `once`. */
export type CwmnEvents = {
  /** First initialization on the page: the DOM is ready. Fires before any other event. */
  'init': () => void;
  /** Re-initialization later on the page (after a session is over). */
  'reinit': () => void;
  /** The browser is incompatible or the domain is not authorized. */
  'init failed': () => void;
  /** On initialization, the browser is incompatible. */
  'incompatible': () => void;
  /** On initialization, the domain is not authorized. */
  'unauthorized': () => void;
  /** Ready to begin a session; no session exists. */
  'ready no session': () => void;
  /** An invite-to-host session is initializing on this page load. */
  'ith init': () => void;
  /** Connecting to a session. */
  'session pending': () => void;
  /** Hosting begins; `isResuming` is true when an existing session resumes after a page load. */
  'in session': (isResuming: boolean) => void;
  /** Connecting to a session failed (after `session pending`); the error says why. */
  'session failed': (error?: Error) => void;
  /** The session ended because it expired on the server (fires before `end session`). */
  'expired': () => void;
  /** Hosting ends. */
  'end session': () => void;
  /** A network issue prevents realtime communication. */
  'connection issue': () => void;
  /** The issue reported by `connection issue` is gone. */
  'connection issue resolved': () => void;
  /** A guest connected (can see the page). */
  'guest connected': (guestId: string, guest: Guest) => void;
  /** A guest disconnected. */
  'guest disconnected': (guestId: string, guest: Guest) => void;
  /** The guest list or a guest's pointer changed; receives `guest.getGuestList()`. At most 60 per second. */
  'roomdata update': (guestList: Guest[]) => void;
  /** A guest clicked, at page coordinates of the host document. */
  'click': (guestId: string, position: { x: number; y: number }) => void;
  /** Entered the waiting-for-replay state. */
  'waiting for replay': () => void;
  /** A rendering progress update. */
  'replay progress': (replayProgress: ReplayProgress) => void;
  /** The replay video rendered successfully. */
  'replay complete': () => void;
  /** The replay video failed to render; `reason` says why, in words (an addition to the specification's event). */
  'replay error': (reason: string) => void;
  /** The replay approaches its maximum length. */
  'replay timeout warning': (warningMessage: string) => void;
  /** The replay hit its maximum length and stops. */
  'replay timeout': () => void;
};

export type CwmnEventName = keyof CwmnEvents;

/** All event names, for validating `on()` calls from untyped pages. */
export const EVENT_NAMES: readonly CwmnEventName[] = [
  'init', 'reinit', 'init failed', 'incompatible', 'unauthorized', 'ready no session',
  'ith init', 'session pending', 'in session', 'session failed', 'expired', 'end session',
  'connection issue', 'connection issue resolved', 'guest connected', 'guest disconnected',
  'roomdata update', 'click', 'waiting for replay', 'replay progress', 'replay complete',
  'replay error', 'replay timeout warning', 'replay timeout',
];
