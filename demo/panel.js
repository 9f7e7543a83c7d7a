// panel.js — the core of the cwmn demo's host control panel: a floating, collapsible panel
// (bottom-right) built ONLY on the public window.CwmnAPI (see CWMN-JS-API.md). This file opens
// the panel's extension hook (window.cwmnDemoPanel) and holds the model the view is rendered
// from, and every call to the API (so errors always reach the panel). Every demo page loads it
// first, then, in this order (each file one concern; each panel feature is one "section"):
//   panel-helpers.js   building elements, turning values into text, copying/opening links;
//   panel-events.js    subscribing to the API's events and what each one does to the model;
//   panel-shell.js     sections, the panel's frame (header, notice, error) and rendering;
//   panel-log.js       the Event log section;
//   panel-session.js   the Session section (host name/email, start, end, session info);
//   panel-invite.js    the "Invite a guest" section (a private one-time link);
//   panel-boot.js      freezes the hook, subscribes to the API's events, builds the panel;
// then the feature files, which only use the frozen hook: panel-guests.js (guest list with
// mute/remove, "Hide all pointers"), panel-public-link.js, panel-invite-message.js (email/SMS
// invites), panel-privacy.js ("Pause sharing"), panel-replay-video.js and panel-replay.js
// (record, preview, send or abandon a replay video) and panel-ith.js (invite someone to host).
// Untrusted strings (guest names, event arguments) are only ever set with textContent.
'use strict';

(function cwmnHostPanelCore() {
  // ---------------------------------------------------------------------------------------
  // Constants
  // ---------------------------------------------------------------------------------------

  const CLICK_FLASH_MS = 700;
  const UNAVAILABLE = 'cwmn unavailable';
  const DEFAULT_HOST_NAME = 'Demo host';
  const EMBED_SCRIPT = '/clickwithmenow-api.js';

  const STORAGE_KEYS = {
    collapsed: 'cwmn-demo:panel-collapsed',
    hostName: 'cwmn-demo:host-name',
    hostEmail: 'cwmn-demo:host-email',
    session: 'cwmn-demo:session', // sessionStorage: the last session.start() result, for resumed pages
  };

  // ---------------------------------------------------------------------------------------
  // Extension hook: what the other panel files build on. Demo-internal — not part of
  // CwmnAPI; every cwmn call still goes through the public window.CwmnAPI. The core files
  // (up to panel-boot.js) add their members to it; panel-boot.js freezes it. What only the
  // core files share (not for the feature files) lives in part('core').
  // ---------------------------------------------------------------------------------------

  const parts = new Map(); // name → the object shared by the files of one feature

  /** The object the files of one feature share (e.g. the two replay files): made on first use. */
  function part(name) {
    if (!parts.has(name)) parts.set(name, {});
    return parts.get(name);
  }

  const core = part('core');

  // ---------------------------------------------------------------------------------------
  // Model: everything the panel knows; the view is re-rendered from it.
  // ---------------------------------------------------------------------------------------

  const api = getApi();

  const model = {
    available: api !== null,
    busy: new Set(), // actions waiting for a promise: 'start', 'end', 'invite', …
    guests: new Map(), // guestId → guest object
    lastClick: new Map(), // guestId → { x, y, at }
    session: readStoredSession(), // last session.start() result (or null)
    inviteLink: '',
    notice: null, // [kind, text], kind: 'info' | 'ok' | 'warn' | 'error'
    error: null, // { action, code, message }
  };

  const view = { built: false };

  function getApi() {
    const candidate = window.CwmnAPI;
    if (!candidate || typeof candidate.on !== 'function') return null;
    return candidate;
  }

  // ---------------------------------------------------------------------------------------
  // Storage (what the panel remembers across pages and visits)
  // ---------------------------------------------------------------------------------------

  function storageGet(storage, key) {
    try { return window[storage].getItem(key); } catch { return null; }
  }

  function storageSet(storage, key, value) {
    try {
      if (value === null || value === undefined) window[storage].removeItem(key);
      else window[storage].setItem(key, value);
    } catch { /* storage unavailable (private mode, sandbox): not needed for the panel to work */ }
  }

  function readStoredSession() {
    const raw = storageGet('sessionStorage', STORAGE_KEYS.session);
    if (!raw) return null;
    try { return JSON.parse(raw); } catch { return null; }
  }

  function storeSession(info) {
    model.session = info && typeof info === 'object' ? info : null;
    storageSet('sessionStorage', STORAGE_KEYS.session, model.session ? core.safeJson(model.session) : null);
  }

  // ---------------------------------------------------------------------------------------
  // Talking to the API (every call goes through these, so errors always reach the panel)
  // ---------------------------------------------------------------------------------------

  function currentState() {
    if (!api) return UNAVAILABLE;
    try {
      const state = api.getCurrentState();
      return typeof state === 'string' ? state : String(state);
    } catch (err) {
      return 'unknown';
    }
  }

  function errorParts(err) {
    const code = err && typeof err.code === 'string' && err.code ? err.code : (err && err.name) || 'ERR_UNKNOWN';
    const message = err && typeof err.message === 'string' ? err.message : String(err);
    return { code, message };
  }

  function reportError(action, err) {
    const { code, message } = errorParts(err);
    model.error = { action, code, message };
    core.addLog('error', action, `${code}: ${message}`);
    panel.scheduleRender();
  }

  function clearError() {
    model.error = null;
    panel.scheduleRender();
  }

  /**
   * Runs one API call marked as `action` (busy while pending). Handles functions that
   * throw as well as promises that reject. Resolves { ok, value } or { ok: false, error }
   * with error = { code, message }. With `quiet`, a failure is only logged: the caller shows
   * it next to its own controls instead of in the panel's error banner.
   */
  async function callApi(action, label, fn, { quiet = false } = {}) {
    if (!api) {
      const error = { code: 'ERR_UNAVAILABLE', message: 'window.CwmnAPI is not loaded' };
      reportError(label, error);
      return { ok: false, error };
    }
    model.busy.add(action);
    if (!quiet) clearError();
    panel.scheduleRender();
    try {
      const value = await fn();
      core.addLog('call', label, value === undefined ? 'ok' : `→ ${core.describeArgs([value])}`);
      return { ok: true, value };
    } catch (err) {
      const error = errorParts(err);
      if (quiet) core.addLog('error', label, `${error.code}: ${error.message}`);
      else reportError(label, err);
      return { ok: false, error };
    } finally {
      model.busy.delete(action);
      panel.scheduleRender();
    }
  }

  /** Synchronous API read that may throw (e.g. outside its valid state): returns fallback then. */
  function readApi(fn, fallback) {
    if (!api) return fallback;
    try { return fn(); } catch { return fallback; }
  }

  /** 'realtime' or 'replay' while hosting (session.getSessionInfo().isReplay), else null. */
  function sessionKind(state = currentState()) {
    if (state !== 'in session') return null;
    const info = readApi(() => api.session.getSessionInfo(), null);
    return info && info.isReplay === true ? 'replay' : 'realtime';
  }

  /** The origin of the cwmn server: where the page loaded the embed script from. */
  function serverOrigin() {
    for (const script of document.scripts) {
      const src = script.getAttribute('src');
      if (!src) continue;
      try {
        const url = new URL(src, location.href);
        if (url.pathname.endsWith(EMBED_SCRIPT)) return url.origin;
      } catch { /* not a URL: not the embed script */ }
    }
    return location.origin;
  }

  // ---------------------------------------------------------------------------------------
  // Guests
  // ---------------------------------------------------------------------------------------

  function setGuests(list) {
    if (!Array.isArray(list)) return;
    const next = new Map();
    for (const guest of list) {
      if (guest && guest.id !== undefined && guest.id !== null) next.set(String(guest.id), guest);
    }
    model.guests = next;
  }

  function upsertGuest(guestId, guest) {
    const id = String(guestId ?? (guest && guest.id));
    model.guests.set(id, { ...(model.guests.get(id) || {}), ...(guest || {}), id });
  }

  function dropGuest(guestId) {
    model.guests.delete(String(guestId));
    model.lastClick.delete(String(guestId));
  }

  function refreshGuestsFromApi() {
    if (sessionKind() !== 'realtime') return;
    const list = readApi(() => api.guest.getGuestList(), null);
    if (Array.isArray(list)) setGuests(list);
    else if (list && typeof list.then === 'function') Promise.resolve(list).then(setGuests, () => {}).then(panel.scheduleRender);
  }

  function clearSessionData() {
    model.guests.clear();
    model.lastClick.clear();
    model.inviteLink = '';
  }

  // ---------------------------------------------------------------------------------------
  // The hook, opened here; the next core files add to it
  // ---------------------------------------------------------------------------------------

  Object.assign(core, {
    UNAVAILABLE, DEFAULT_HOST_NAME, STORAGE_KEYS,
    storeSession, reportError, clearError, setGuests, upsertGuest, dropGuest, clearSessionData,
  });

  const panel = {
    api, model, view, part, callApi, readApi, currentState, sessionKind, refreshGuestsFromApi, serverOrigin,
    storageGet, storageSet, CLICK_FLASH_MS,
  };
  window.cwmnDemoPanel = panel;
})();
