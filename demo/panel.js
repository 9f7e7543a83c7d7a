// panel.js — the cwmn demo's host control panel: a floating, collapsible panel (bottom-right)
// built ONLY on the public window.CwmnAPI (see CWMN-JS-API.md). This file is the core: the
// model fed by the API's events, the panel shell, the Session and private-invite sections and
// the event log. Each feature is one "section" (see defineSection); the files loaded after this
// one add theirs through window.cwmnDemoPanel (see "Extension hook" below): panel-guests.js
// (guest list with mute/remove, "Hide all pointers", public link, email/SMS invites),
// panel-privacy.js ("Pause sharing"), panel-replay.js (record, preview, send or abandon a
// replay video) and panel-ith.js (invite someone to host).
// Untrusted strings (guest names, event arguments) are only ever set with textContent.
'use strict';

(function cwmnHostPanel() {
  // ---------------------------------------------------------------------------------------
  // Constants
  // ---------------------------------------------------------------------------------------

  /** Every event of the spec, in spec order. */
  const EVENTS = [
    'init', 'reinit', 'init failed', 'incompatible', 'unauthorized', 'ready no session',
    'ith init', 'session pending', 'in session', 'session failed', 'expired', 'end session',
    'connection issue', 'connection issue resolved', 'guest connected', 'guest disconnected',
    'roomdata update', 'click', 'waiting for replay', 'replay progress', 'replay complete',
    'replay error', 'replay timeout warning', 'replay timeout',
  ];

  const LOG_LIMIT = 100;
  const LOG_DETAIL_MAX = 160;
  const ROOMDATA_LOG_INTERVAL_MS = 1000;
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

  /** What the panel shows for each event (null: keep the current notice). */
  const NOTICES = {
    'init failed': ['error', 'cwmn could not initialise on this page.'],
    incompatible: ['error', 'This browser is not compatible with cwmn.'],
    unauthorized: ['error', 'This domain is not authorized to host cwmn sessions.'],
    'ready no session': ['info', 'Ready. Start a session to invite guests.'],
    'ith init': ['info', 'Starting an invited hosting session…'],
    'session pending': ['info', 'Connecting to the session…'],
    'session failed': ['error', 'Could not connect to the session.'],
    expired: ['warn', 'The session expired on the server.'],
    'end session': ['info', 'The session ended.'],
    'connection issue': ['warn', 'Connection issue: guests may not see updates. Reconnecting…'],
    'connection issue resolved': ['ok', 'Connection restored.'],
    'waiting for replay': ['info', 'Rendering the replay video…'],
    'replay complete': ['ok', 'The replay video is ready.'],
    'replay error': ['error', 'The replay video failed to render.'],
    'replay timeout': ['warn', 'The replay reached its maximum length.'],
  };

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

  const sections = []; // { id, title, before?, build(container), update(state) }
  const extraHandlers = new Map(); // event name → [handler]: listeners added by other panel files
  const view = { built: false };
  const pendingLog = []; // log entries that arrived before the view was built
  let renderQueued = false;

  // ---------------------------------------------------------------------------------------
  // Small helpers
  // ---------------------------------------------------------------------------------------

  function getApi() {
    const candidate = window.CwmnAPI;
    if (!candidate || typeof candidate.on !== 'function') return null;
    return candidate;
  }

  /** Creates an element; `props` may hold attributes (strings), `text`, `className`, `on`. */
  function el(tag, props = {}, children = []) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'text') node.textContent = String(value);
      else if (key === 'className') node.className = value;
      else if (key === 'on') for (const [type, handler] of Object.entries(value)) node.addEventListener(type, handler);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of [].concat(children)) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  /** An <input type=checkbox role=switch> styled as a switch, with its label and hint. */
  function buildSwitch({ id, label, hint, onChange }) {
    const input = el('input', { id, className: 'cwmn-p-switch', type: 'checkbox', role: 'switch', on: { change: onChange } });
    const text = el('span', { className: 'cwmn-p-toggle-text' }, [
      el('span', { className: 'cwmn-p-toggle-label', text: label }),
      hint ? el('span', { className: 'cwmn-p-toggle-hint', text: hint }) : null,
    ]);
    return { input, row: el('label', { className: 'cwmn-p-toggle', for: id }, [text, input]) };
  }

  /** A form field: its label (with an optional extra on the right, e.g. a counter) over `control`. */
  function buildField(id, label, control, extra) {
    return el('div', { className: 'cwmn-p-field' }, [
      el('div', { className: 'cwmn-p-field-head' }, [el('label', { className: 'cwmn-p-label', for: id, text: label }), extra || null]),
      control,
    ]);
  }

  function truncate(text, max) {
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
  }

  function safeJson(value) {
    if (value === undefined) return 'undefined';
    if (typeof value === 'function') return 'ƒ';
    try {
      const seen = new WeakSet();
      return JSON.stringify(value, (key, v) => {
        if (typeof v === 'object' && v !== null) {
          if (seen.has(v)) return '[circular]';
          seen.add(v);
        }
        return v;
      }) ?? String(value);
    } catch {
      return String(value);
    }
  }

  function describeArgs(args) {
    return truncate(args.map(safeJson).join(', '), LOG_DETAIL_MAX);
  }

  function toEpochMs(value) {
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'string' && value) {
      const parsed = Date.parse(value);
      if (!Number.isNaN(parsed)) return parsed;
    }
    return null;
  }

  function formatClock(value) {
    const ms = toEpochMs(value);
    if (ms === null) return '—';
    return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  function formatCountdown(msLeft) {
    if (msLeft <= 0) return 'now';
    const total = Math.round(msLeft / 1000);
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    const mmss = `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
    return h ? `${h}:${mmss}` : mmss;
  }

  /** A duration as mm:ss (h:mm:ss from an hour up); negative durations count as zero. */
  function formatDuration(ms) {
    const total = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(total / 3600);
    const mmss = `${String(Math.floor((total % 3600) / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
    return h ? `${h}:${mmss}` : mmss;
  }

  function formatPointer(guest) {
    const { x, y } = guest || {};
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) return '—';
    return `${Math.round(x)}, ${Math.round(y)}`;
  }

  function isHttpUrl(text) {
    try {
      const url = new URL(text, location.href);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  }

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
    storageSet('sessionStorage', STORAGE_KEYS.session, model.session ? safeJson(model.session) : null);
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
    addLog('error', action, `${code}: ${message}`);
    scheduleRender();
  }

  function clearError() {
    model.error = null;
    scheduleRender();
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
    scheduleRender();
    try {
      const value = await fn();
      addLog('call', label, value === undefined ? 'ok' : `→ ${describeArgs([value])}`);
      return { ok: true, value };
    } catch (err) {
      const error = errorParts(err);
      if (quiet) addLog('error', label, `${error.code}: ${error.message}`);
      else reportError(label, err);
      return { ok: false, error };
    } finally {
      model.busy.delete(action);
      scheduleRender();
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
    else if (list && typeof list.then === 'function') Promise.resolve(list).then(setGuests, () => {}).then(scheduleRender);
  }

  function clearSessionData() {
    model.guests.clear();
    model.lastClick.clear();
    model.inviteLink = '';
  }

  // ---------------------------------------------------------------------------------------
  // Event log
  // ---------------------------------------------------------------------------------------

  const roomdataThrottle = { timer: 0, skipped: 0, latest: null };

  function addLog(kind, name, detail) {
    const entry = { kind, name, detail: detail || '', at: Date.now() };
    if (view.built) renderLogEntry(entry);
    else {
      pendingLog.push(entry);
      if (pendingLog.length > LOG_LIMIT) pendingLog.shift();
    }
  }

  function summariseGuests(list) {
    if (!Array.isArray(list)) return describeArgs([list]);
    const parts = list.slice(0, 4).map((g) => `${truncate(String(g && g.name !== undefined ? g.name : '?'), 24)} @ ${formatPointer(g)}`);
    if (list.length > 4) parts.push(`+${list.length - 4} more`);
    return `${list.length} guest${list.length === 1 ? '' : 's'}${parts.length ? `: ${parts.join('; ')}` : ''}`;
  }

  /** `roomdata update` can fire ~60 times a second: log at most one summarised line per interval. */
  function logRoomdata(list) {
    const t = roomdataThrottle;
    if (t.timer) {
      t.skipped += 1;
      t.latest = list;
      return;
    }
    addLog('event', 'roomdata update', summariseGuests(list));
    t.timer = setTimeout(function onRoomdataInterval() {
      t.timer = 0;
      if (flushRoomdataLog()) t.timer = setTimeout(onRoomdataInterval, ROOMDATA_LOG_INTERVAL_MS);
    }, ROOMDATA_LOG_INTERVAL_MS);
  }

  /** Logs the summary of roomdata updates held back by the throttle, if any; true if it did. */
  function flushRoomdataLog() {
    const t = roomdataThrottle;
    if (t.skipped === 0) return false;
    const line = `${summariseGuests(t.latest)} (×${t.skipped})`;
    t.skipped = 0;
    t.latest = null;
    addLog('event', 'roomdata update', line);
    return true;
  }

  // ---------------------------------------------------------------------------------------
  // Events: registered at script load (the API accepts subscriptions at any time)
  // ---------------------------------------------------------------------------------------

  /** Per-event model updates; every event is also logged and triggers a render. */
  const EVENT_HANDLERS = {
    init() { refreshGuestsFromApi(); },
    reinit() { clearSessionData(); },
    'in session'(isResuming) {
      model.notice = ['ok', isResuming ? 'Session resumed: you are hosting.' : 'You are hosting a session.'];
      if (!isResuming) model.inviteLink = '';
      refreshGuestsFromApi();
    },
    'end session'() { clearSessionData(); storeSession(null); },
    'guest connected'(guestId, guest) { upsertGuest(guestId, guest); },
    'guest disconnected'(guestId) { dropGuest(guestId); },
    'roomdata update'(list) { setGuests(list); },
    click(guestId, point) {
      model.lastClick.set(String(guestId), { x: point && point.x, y: point && point.y, at: Date.now() });
      setTimeout(scheduleRender, CLICK_FLASH_MS + 20);
    },
    'replay progress'(progress) {
      const fraction = progress && typeof progress.progress === 'number' ? progress.progress : null;
      if (fraction !== null) model.notice = ['info', `Rendering the replay video… ${Math.round(fraction * 100)}%`];
    },
    'replay timeout warning'(message) {
      model.notice = ['warn', typeof message === 'string' && message ? message : 'The replay is approaching its maximum length.'];
    },
  };

  function onApiEvent(name, args) {
    if (name === 'roomdata update') logRoomdata(args[0]);
    else {
      flushRoomdataLog(); // keep the log in order: held-back room updates came first
      addLog('event', name, args.length ? describeArgs(args) : '');
    }
    if (NOTICES[name]) model.notice = NOTICES[name];
    const handlers = [EVENT_HANDLERS[name], ...(extraHandlers.get(name) || [])].filter(Boolean);
    for (const handler of handlers) {
      try { handler(...args); } catch (err) { addLog('error', `panel: ${name}`, String(err)); }
    }
    scheduleRender();
  }

  function subscribeAll() {
    const failed = [];
    for (const name of EVENTS) {
      try {
        api.on(name, (...args) => onApiEvent(name, args));
      } catch (err) {
        failed.push(name);
      }
    }
    return failed;
  }

  // ---------------------------------------------------------------------------------------
  // Sections: each feature of the panel is one section. To add a feature, call defineSection
  // with { id, title, before?, build(container), update(state) } — build once, update on every
  // render. `before` names the section it goes in front of (default: the end). A section
  // defined after the panel is built (e.g. from panel-guests.js) is built on the spot.
  // ---------------------------------------------------------------------------------------

  function defineSection(section) {
    const at = section.before ? sections.findIndex((s) => s.id === section.before) : -1;
    if (at === -1) sections.push(section);
    else sections.splice(at, 0, section);
    if (!view.built) return;
    const next = sections[sections.indexOf(section) + 1];
    view.body.insertBefore(buildSection(section), (next && next.element) || null);
    scheduleRender();
  }

  /** The <details> of one section: a title bar (with an optional extra from build) and content. */
  function buildSection(section) {
    const content = el('div', { className: 'cwmn-p-section-body' });
    const extra = section.build(content); // optional element shown in the section's title bar
    const summary = el('summary', { className: 'cwmn-p-section-title' }, [el('span', { text: section.title }), extra || null]);
    section.element = el('details', { className: 'cwmn-p-section', 'data-section': section.id, open: true }, [summary, content]);
    return section.element;
  }

  // --- Session: host name/email, start, end, session info --------------------------------

  defineSection({
    id: 'session',
    title: 'Session',
    build(container) {
      view.hostName = el('input', {
        id: 'cwmn-host-name', className: 'cwmn-p-input', type: 'text', maxlength: '100', autocomplete: 'name',
        placeholder: 'Your name', 'aria-label': 'Host name',
      });
      view.hostName.value = storageGet('localStorage', STORAGE_KEYS.hostName) ?? DEFAULT_HOST_NAME;
      view.hostEmail = el('input', {
        id: 'cwmn-host-email', className: 'cwmn-p-input', type: 'email', autocomplete: 'email',
        placeholder: 'Email (optional)', 'aria-label': 'Host email (optional)',
      });
      view.hostEmail.value = storageGet('localStorage', STORAGE_KEYS.hostEmail) ?? '';
      view.start = el('button', {
        id: 'cwmn-start', className: 'cwmn-p-btn cwmn-p-btn--primary', type: 'button', text: 'Start session',
        on: { click: () => startSession({ isReplay: false }) },
      });
      view.end = el('button', { id: 'cwmn-end', className: 'cwmn-p-btn cwmn-p-btn--danger', type: 'button', text: 'End session', on: { click: endSession } });
      view.sessionInfo = el('dl', { id: 'cwmn-session-info', className: 'cwmn-p-info', hidden: true });
      view.hostFields = el('div', { className: 'cwmn-p-hostfields' }, [
        el('div', { className: 'cwmn-p-field' }, [el('label', { className: 'cwmn-p-label', for: 'cwmn-host-name', text: 'Host name' }), view.hostName]),
        el('div', { className: 'cwmn-p-field' }, [el('label', { className: 'cwmn-p-label', for: 'cwmn-host-email', text: 'Host email' }), view.hostEmail]),
      ]);
      view.sessionButtons = el('div', { className: 'cwmn-p-row' }, [view.start, view.end]);
      container.append(view.hostFields, view.sessionButtons, view.sessionInfo);
    },
    update(state) {
      const inSession = state === 'in session';
      view.start.disabled = state !== 'no session' || model.busy.has('start') || model.busy.has('start-replay');
      view.end.disabled = !inSession || model.busy.has('end');
      view.sessionButtons.hidden = sessionKind(state) === 'replay'; // the Replay section has its own stop button
      view.start.textContent = model.busy.has('start') ? 'Starting…' : 'Start session';
      view.end.textContent = model.busy.has('end') ? 'Ending…' : 'End session';
      view.hostName.disabled = !model.available;
      view.hostEmail.disabled = !model.available;
      view.hostFields.hidden = inSession; // while hosting, the session info below replaces them
      renderSessionInfo(inSession);
    },
  });

  function renderSessionInfo(inSession) {
    const info = model.session;
    view.sessionInfo.hidden = !inSession || !info;
    if (view.sessionInfo.hidden) return;
    const expiresMs = toEpochMs(info.expiresAt);
    const rows = [
      ['Session', info.sessionId !== undefined ? String(info.sessionId) : '—', 'cwmn-p-mono'],
      ['Host', [info.hostName, info.hostEmail].filter(Boolean).join(' · ') || '—'],
      ['Started', formatClock(info.startedAt)],
      ['Expires', expiresMs === null ? '—' : `${formatClock(expiresMs)} (in ${formatCountdown(expiresMs - Date.now())})`],
    ];
    view.sessionInfo.replaceChildren(...rows.flatMap(([term, value, cls]) => [
      el('dt', { text: term }), el('dd', { text: value, className: cls }),
    ]));
  }

  /** The host's name and email from the Session fields (remembered for the next visit). */
  function hostIdentity() {
    const hostName = view.hostName.value.trim() || DEFAULT_HOST_NAME;
    const hostEmail = view.hostEmail.value.trim();
    storageSet('localStorage', STORAGE_KEYS.hostName, hostName);
    storageSet('localStorage', STORAGE_KEYS.hostEmail, hostEmail);
    return { hostName, hostEmail };
  }

  /** A realtime session ("Start session") or a replay recording (panel-replay.js). */
  async function startSession({ isReplay }) {
    const { hostName, hostEmail } = hostIdentity();
    const action = isReplay ? 'start-replay' : 'start';
    const result = await callApi(action, 'session.start', () => api.session.start({ hostName, hostEmail, isReplay }));
    if (result.ok) storeSession(result.value);
    return result;
  }

  async function endSession() {
    await callApi('end', 'session.endSession', () => api.session.endSession());
  }

  // --- Invite: private one-time link, copy, open -----------------------------------------

  defineSection({
    id: 'invite',
    title: 'Invite a guest',
    build(container) {
      view.invite = el('button', { id: 'cwmn-invite', className: 'cwmn-p-btn', type: 'button', text: 'Create invite link', on: { click: createInviteLink } });
      view.inviteLink = el('input', {
        id: 'cwmn-invite-link', className: 'cwmn-p-input cwmn-p-mono', type: 'text', readonly: true,
        placeholder: 'No link yet', 'aria-label': 'Invite link', on: { focus: (e) => e.target.select() },
        'data-cwmn-mask': true, // a one-time link: guests watching this page must not be able to use it
      });
      view.copy = el('button', { id: 'cwmn-copy', className: 'cwmn-p-btn cwmn-p-btn--small', type: 'button', text: 'Copy', on: { click: copyInviteLink } });
      // a button, not <a href>: an href would reach the guests' mirror unmasked
      view.open = el('button', {
        id: 'cwmn-open', className: 'cwmn-p-btn cwmn-p-btn--small', type: 'button', text: 'Open', title: 'Open in a new tab',
        on: { click: () => openLink(model.inviteLink) },
      });
      container.append(
        el('p', { className: 'cwmn-p-hint', text: 'A one-time private link. Open it in another browser window to join as a guest.' }),
        view.invite,
        el('div', { className: 'cwmn-p-linkrow' }, [view.inviteLink, view.copy, view.open]),
      );
    },
    update(state) {
      view.invite.disabled = sessionKind(state) !== 'realtime' || model.busy.has('invite');
      view.invite.textContent = model.busy.has('invite') ? 'Creating…' : 'Create invite link';
      if (view.inviteLink.value !== model.inviteLink) view.inviteLink.value = model.inviteLink;
      const hasLink = Boolean(model.inviteLink);
      view.copy.disabled = !hasLink;
      view.open.disabled = !hasLink || !isHttpUrl(model.inviteLink);
    },
  });

  async function createInviteLink() {
    const result = await callApi('invite', 'guest.getInviteLink', () => api.guest.getInviteLink());
    if (result.ok) {
      model.inviteLink = typeof result.value === 'string' ? result.value : String(result.value ?? '');
      scheduleRender();
    }
  }

  /** Opens an http(s) link in a new tab, without giving it a handle on this page. */
  function openLink(url) {
    if (url && isHttpUrl(url)) window.open(url, '_blank', 'noopener');
  }

  function copyInviteLink() {
    copyText(model.inviteLink, view.inviteLink, view.copy);
  }

  /** Copies `text` (shown in `input`), then says so on `button` for a moment. */
  async function copyText(text, input, button) {
    if (!text) return;
    let copied = false;
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(text);
        copied = true;
      } catch { /* fall back below */ }
    }
    if (!copied) copied = copyBySelection(input);
    flashButton(button, copied ? 'Copied ✓' : 'Press Ctrl+C', 'Copy');
  }

  function copyBySelection(input) {
    input.focus();
    input.select();
    input.setSelectionRange(0, input.value.length);
    try { return document.execCommand('copy'); } catch { return false; }
  }

  function flashButton(button, text, restore) {
    button.textContent = text;
    clearTimeout(button.cwmnFlashTimer);
    button.cwmnFlashTimer = setTimeout(() => { button.textContent = restore; }, 1500);
  }

  // --- Event log ----------------------------------------------------------------------------

  defineSection({
    id: 'log',
    title: 'Event log',
    build(container) {
      view.log = el('ol', { id: 'cwmn-log', className: 'cwmn-p-log', 'aria-label': 'Event log, newest first' });
      view.logClear = el('button', {
        id: 'cwmn-log-clear', className: 'cwmn-p-link', type: 'button', text: 'Clear',
        on: { click: (event) => { event.preventDefault(); view.log.replaceChildren(); } },
      });
      container.append(view.log);
      return view.logClear;
    },
    update() {},
  });

  function renderLogEntry(entry) {
    const li = el('li', { className: `cwmn-p-log-${entry.kind}`, 'data-event': entry.name, 'data-kind': entry.kind }, [
      el('time', { className: 'cwmn-p-log-time', text: formatClock(entry.at) }),
      el('span', { className: 'cwmn-p-log-name', text: entry.name }),
      // masked in the guests' mirror: details hold links and invitees' addresses
      entry.detail ? el('span', { className: 'cwmn-p-log-detail', text: entry.detail, 'data-cwmn-mask': true }) : null,
    ]);
    view.log.insertBefore(li, view.log.firstChild);
    while (view.log.children.length > LOG_LIMIT) view.log.lastElementChild.remove();
  }

  // The guest list, "Hide all pointers", the public link, the email/SMS invite form, privacy,
  // replay and invite-to-host are sections too, defined in the other panel files (in front of
  // this log).

  // ---------------------------------------------------------------------------------------
  // Panel shell: root, header (state pill + collapse toggle), notice, error, sections
  // ---------------------------------------------------------------------------------------

  function buildPanel() {
    const stored = storageGet('localStorage', STORAGE_KEYS.collapsed);
    // no saved choice: start open, except on small screens where the panel would cover the page
    const collapsed = stored === null ? window.innerWidth < 700 : stored === '1';
    view.root = el('aside', {
      id: 'cwmn-panel', className: 'cwmn-p', 'data-cwmn-panel': true, 'aria-label': 'cwmn host panel',
    });
    view.state = el('span', { id: 'cwmn-state', className: 'cwmn-p-state', text: currentState() });
    view.headerCount = el('span', { className: 'cwmn-p-headcount', title: 'Guests', 'aria-label': 'Guests' });
    view.toggle = el('button', {
      id: 'cwmn-toggle', className: 'cwmn-p-head', type: 'button', 'aria-controls': 'cwmn-panel-body',
      on: { click: toggleCollapsed },
    }, [
      el('span', { className: 'cwmn-p-logo', 'aria-hidden': 'true' }),
      el('span', { className: 'cwmn-p-title' }, [el('strong', { text: 'cwmn' }), ' host']),
      view.state,
      view.headerCount,
      el('span', { className: 'cwmn-p-chevron', 'aria-hidden': 'true' }),
    ]);
    view.body = el('div', { id: 'cwmn-panel-body', className: 'cwmn-p-body' });
    view.notice = el('p', { id: 'cwmn-notice', className: 'cwmn-p-notice', role: 'status', hidden: true });
    view.errorText = el('span', { className: 'cwmn-p-error-text' });
    view.error = el('div', { id: 'cwmn-error', className: 'cwmn-p-error', role: 'alert', hidden: true }, [
      view.errorText,
      el('button', { className: 'cwmn-p-link', type: 'button', text: 'Dismiss', 'aria-label': 'Dismiss error', on: { click: clearError } }),
    ]);
    view.body.append(view.notice, view.error);

    for (const section of sections) view.body.append(buildSection(section));
    view.root.append(view.toggle, view.body);
    setCollapsed(collapsed);
    document.body.append(view.root);
    view.built = true;
    for (const entry of pendingLog.splice(0)) renderLogEntry(entry);
  }

  function toggleCollapsed() {
    const collapsed = !view.root.classList.contains('is-collapsed');
    setCollapsed(collapsed);
    storageSet('localStorage', STORAGE_KEYS.collapsed, collapsed ? '1' : '0');
  }

  function setCollapsed(collapsed) {
    view.root.classList.toggle('is-collapsed', collapsed);
    view.toggle.setAttribute('aria-expanded', String(!collapsed));
    view.toggle.title = collapsed ? 'Show the cwmn host panel' : 'Hide the cwmn host panel';
    view.body.hidden = collapsed;
  }

  // ---------------------------------------------------------------------------------------
  // Rendering (coalesced to one per frame: roomdata updates can arrive at 60/s)
  // ---------------------------------------------------------------------------------------

  function scheduleRender() {
    if (renderQueued || !view.built) return;
    renderQueued = true;
    const run = () => { renderQueued = false; render(); };
    if (document.visibilityState === 'hidden' || typeof requestAnimationFrame !== 'function') setTimeout(run, 50);
    else requestAnimationFrame(run);
  }

  function render() {
    const state = currentState();
    view.root.dataset.state = state;
    view.state.textContent = state;
    const count = model.guests.size;
    view.headerCount.textContent = `${count} guest${count === 1 ? '' : 's'}`;
    view.headerCount.hidden = sessionKind(state) !== 'realtime';
    renderNotice();
    renderError();
    for (const section of sections) {
      try { section.update(state); } catch (err) { console.error('[cwmn panel]', section.id, err); }
    }
  }

  function renderNotice() {
    let notice = model.notice;
    if (!model.available) notice = ['error', `${UNAVAILABLE}: the embed script /clickwithmenow-api.js did not load. Is the server running?`];
    view.notice.hidden = !notice;
    if (!notice) return;
    view.notice.className = `cwmn-p-notice cwmn-p-notice--${notice[0]}`;
    view.notice.textContent = notice[1];
  }

  function renderError() {
    view.error.hidden = !model.error;
    if (model.error) view.errorText.textContent = `${model.error.code}: ${model.error.message}`;
  }

  function startClock() {
    // the session countdown ticks once a second while hosting
    setInterval(() => { if (currentState() === 'in session') scheduleRender(); }, 1000);
  }

  // ---------------------------------------------------------------------------------------
  // Extension hook: what the other panel files (panel-guests.js) build on. Demo-internal —
  // not part of CwmnAPI; every cwmn call still goes through the public window.CwmnAPI.
  // ---------------------------------------------------------------------------------------

  /** Runs `handler(...args)` after the panel's own handling of the API event `name`. */
  function onEvent(name, handler) {
    if (!extraHandlers.has(name)) extraHandlers.set(name, []);
    extraHandlers.get(name).push(handler);
  }

  window.cwmnDemoPanel = Object.freeze({
    api, model, view, el, defineSection, onEvent, callApi, readApi, currentState, sessionKind, scheduleRender,
    refreshGuestsFromApi, startSession, hostIdentity, copyText, openLink, flashButton, isHttpUrl, serverOrigin,
    buildSwitch, buildField, storageGet, storageSet, formatClock, formatCountdown, formatDuration, formatPointer, toEpochMs,
    CLICK_FLASH_MS,
  });

  // ---------------------------------------------------------------------------------------
  // Boot
  // ---------------------------------------------------------------------------------------

  function boot() {
    buildPanel();
    if (!model.available) {
      addLog('error', UNAVAILABLE, 'window.CwmnAPI is missing');
    } else {
      refreshGuestsFromApi();
      startClock();
    }
    render();
  }

  if (api) {
    const failed = subscribeAll();
    if (failed.length) {
      // A stricter implementation may only accept `init` early: subscribe the rest once it fires.
      addLog('info', 'panel', `deferred subscriptions: ${failed.join(', ')}`);
      try {
        api.on('init', () => {
          for (const name of failed.splice(0)) {
            try { api.on(name, (...args) => onApiEvent(name, args)); } catch (err) { reportError(`on(${name})`, err); }
          }
        });
      } catch (err) { reportError('on(init)', err); }
    }
  }

  if (document.body) boot();
  else document.addEventListener('DOMContentLoaded', boot, { once: true });
})();
