// panel-events.js — the API events of the cwmn demo's host panel: the list of every event of the
// spec, the notice each one shows, the model update each one brings, and onEvent, through which
// the feature files add their own handlers. Loaded by every demo page after panel-helpers.js;
// adds to panel.js's extension hook (window.cwmnDemoPanel). panel-boot.js subscribes, with
// subscribe() below, to the public window.CwmnAPI (the API accepts subscriptions at any time).
// Event arguments are untrusted: they go to the log, which sets them with textContent only.
'use strict';

(function cwmnHostPanelEvents() {
  const panel = window.cwmnDemoPanel;
  if (!panel) {
    console.error('[cwmn panel] panel-events.js needs panel.js to be loaded first');
    return;
  }
  const core = panel.part('core');
  const { api, model } = panel;

  /** Every event of the spec, in spec order. */
  const EVENTS = [
    'init', 'reinit', 'init failed', 'incompatible', 'unauthorized', 'ready no session',
    'ith init', 'session pending', 'in session', 'session failed', 'expired', 'end session',
    'connection issue', 'connection issue resolved', 'guest connected', 'guest disconnected',
    'roomdata update', 'click', 'waiting for replay', 'replay progress', 'replay complete',
    'replay error', 'replay timeout warning', 'replay timeout',
  ];

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

  /** Per-event model updates; every event is also logged and triggers a render. */
  const EVENT_HANDLERS = {
    init() { panel.refreshGuestsFromApi(); },
    reinit() { core.clearSessionData(); },
    'in session'(isResuming) {
      model.notice = ['ok', isResuming ? 'Session resumed: you are hosting.' : 'You are hosting a session.'];
      if (!isResuming) model.inviteLink = '';
      panel.refreshGuestsFromApi();
    },
    'end session'() { core.clearSessionData(); core.storeSession(null); },
    'guest connected'(guestId, guest) { core.upsertGuest(guestId, guest); },
    'guest disconnected'(guestId) { core.dropGuest(guestId); },
    'roomdata update'(list) { core.setGuests(list); },
    click(guestId, point) {
      model.lastClick.set(String(guestId), { x: point && point.x, y: point && point.y, at: Date.now() });
      setTimeout(panel.scheduleRender, panel.CLICK_FLASH_MS + 20);
    },
    'replay progress'(progress) {
      const fraction = progress && typeof progress.progress === 'number' ? progress.progress : null;
      if (fraction !== null) model.notice = ['info', `Rendering the replay video… ${Math.round(fraction * 100)}%`];
    },
    'replay timeout warning'(message) {
      model.notice = ['warn', typeof message === 'string' && message ? message : 'The replay is approaching its maximum length.'];
    },
  };

  const extraHandlers = new Map(); // event name → [handler]: listeners added by other panel files

  /** Runs `handler(...args)` after the panel's own handling of the API event `name`. */
  function onEvent(name, handler) {
    if (!extraHandlers.has(name)) extraHandlers.set(name, []);
    extraHandlers.get(name).push(handler);
  }

  function onApiEvent(name, args) {
    if (name === 'roomdata update') core.logRoomdata(args[0]);
    else {
      core.flushRoomdataLog(); // keep the log in order: held-back room updates came first
      core.addLog('event', name, args.length ? core.describeArgs(args) : '');
    }
    if (NOTICES[name]) model.notice = NOTICES[name];
    const handlers = [EVENT_HANDLERS[name], ...(extraHandlers.get(name) || [])].filter(Boolean);
    for (const handler of handlers) {
      try { handler(...args); } catch (err) { core.addLog('error', `panel: ${name}`, String(err)); }
    }
    panel.scheduleRender();
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

  /** Subscribes to every event (panel-boot.js calls it once, when the API is there). */
  function subscribe() {
    const failed = subscribeAll();
    if (!failed.length) return;
    // A stricter implementation may only accept `init` early: subscribe the rest once it fires.
    core.addLog('info', 'panel', `deferred subscriptions: ${failed.join(', ')}`);
    try {
      api.on('init', () => {
        for (const name of failed.splice(0)) {
          try { api.on(name, (...args) => onApiEvent(name, args)); } catch (err) { core.reportError(`on(${name})`, err); }
        }
      });
    } catch (err) { core.reportError('on(init)', err); }
  }

  Object.assign(core, { subscribe });
  Object.assign(panel, { onEvent });
})();
