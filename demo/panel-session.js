// panel-session.js — the "Session" section of the cwmn demo's host panel: the host's name and
// email (remembered for the next visit), "Start session" (session.start), "End session"
// (session.endSession) and, while hosting, the session's id, host, start and expiry with a
// countdown. Also startSession, which panel-replay.js uses to start a replay recording.
// Loaded by every demo page after panel-log.js; adds to panel.js's extension hook
// (window.cwmnDemoPanel) and, for every cwmn call, uses the public window.CwmnAPI only.
// The session info (it comes from the API) is set with textContent only.
'use strict';

(function cwmnHostPanelSession() {
  const panel = window.cwmnDemoPanel;
  if (!panel) {
    console.error('[cwmn panel] panel-session.js needs panel.js to be loaded first');
    return;
  }
  const core = panel.part('core');
  const { api, model, view, el, callApi } = panel;
  const { STORAGE_KEYS, DEFAULT_HOST_NAME } = core;

  panel.defineSection({
    id: 'session',
    title: 'Session',
    before: 'log',
    build(container) {
      view.hostName = el('input', {
        id: 'cwmn-host-name', className: 'cwmn-p-input', type: 'text', maxlength: '100', autocomplete: 'name',
        placeholder: 'Your name', 'aria-label': 'Host name',
      });
      view.hostName.value = panel.storageGet('localStorage', STORAGE_KEYS.hostName) ?? DEFAULT_HOST_NAME;
      view.hostEmail = el('input', {
        id: 'cwmn-host-email', className: 'cwmn-p-input', type: 'email', autocomplete: 'email',
        placeholder: 'Email (optional)', 'aria-label': 'Host email (optional)',
      });
      view.hostEmail.value = panel.storageGet('localStorage', STORAGE_KEYS.hostEmail) ?? '';
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
      view.sessionButtons.hidden = panel.sessionKind(state) === 'replay'; // the Replay section has its own stop button
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
    const expiresMs = panel.toEpochMs(info.expiresAt);
    const rows = [
      ['Session', info.sessionId !== undefined ? String(info.sessionId) : '—', 'cwmn-p-mono'],
      ['Host', [info.hostName, info.hostEmail].filter(Boolean).join(' · ') || '—'],
      ['Started', panel.formatClock(info.startedAt)],
      ['Expires', expiresMs === null ? '—' : `${panel.formatClock(expiresMs)} (in ${panel.formatCountdown(expiresMs - Date.now())})`],
    ];
    view.sessionInfo.replaceChildren(...rows.flatMap(([term, value, cls]) => [
      el('dt', { text: term }), el('dd', { text: value, className: cls }),
    ]));
  }

  /** The host's name and email from the Session fields (remembered for the next visit). */
  function hostIdentity() {
    const hostName = view.hostName.value.trim() || DEFAULT_HOST_NAME;
    const hostEmail = view.hostEmail.value.trim();
    panel.storageSet('localStorage', STORAGE_KEYS.hostName, hostName);
    panel.storageSet('localStorage', STORAGE_KEYS.hostEmail, hostEmail);
    return { hostName, hostEmail };
  }

  /** A realtime session ("Start session") or a replay recording (panel-replay.js). */
  async function startSession({ isReplay }) {
    const { hostName, hostEmail } = hostIdentity();
    const action = isReplay ? 'start-replay' : 'start';
    const result = await callApi(action, 'session.start', () => api.session.start({ hostName, hostEmail, isReplay }));
    if (result.ok) core.storeSession(result.value);
    return result;
  }

  async function endSession() {
    await callApi('end', 'session.endSession', () => api.session.endSession());
  }

  Object.assign(panel, { startSession, hostIdentity });
})();
