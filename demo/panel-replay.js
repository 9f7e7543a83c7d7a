// panel-replay.js — the "Replay video" section of the cwmn demo's host panel. Loaded by every
// demo page right after panel-replay-video.js, which holds the section's pieces for after the
// recording (progress, preview, send, abandon, render error) and hands them over through
// panel.part('replay'). Builds on panel.js's extension hook (window.cwmnDemoPanel) and, for
// every cwmn call, on the public window.CwmnAPI only. One section follows the replay through
// its states; this file holds the phases and:
//   - no session: "Record a replay" (session.start with isReplay: true);
//   - in session (a replay): the red recording indicator (elapsed time from startedAt, time
//     left to expiresAt; also in the panel's header), "Mute microphone" (replay.muteAudio),
//     "Stop recording" (session.endSession) and the `replay timeout warning` message.
// Everything that comes from the API is only ever set with textContent.
'use strict';

(function cwmnHostPanelReplay() {
  const panel = window.cwmnDemoPanel;
  if (!panel) {
    console.error('[cwmn panel] panel-replay.js needs panel.js to be loaded first');
    return;
  }
  const replay = panel.part('replay'); // from panel-replay-video.js
  if (!replay.buildVideo) {
    console.error('[cwmn panel] panel-replay.js needs panel-replay-video.js to be loaded first');
    return;
  }
  const { api, model, view, el, callApi, readApi } = panel;
  const { WAITING, COMPLETE } = replay;

  const WARN_LEFT_MS = 60 * 1000; // the time left turns amber in the last minute
  /** sessionStorage: the id of the replay session whose microphone the host muted (kept across pages). */
  const MUTED_KEY = 'cwmn-demo:replay-muted';

  /** What this file keeps itself (the API does not report it). */
  const local = {
    warning: '', // the `replay timeout warning` of this recording
  };

  // ---------------------------------------------------------------------------------------
  // Events
  // ---------------------------------------------------------------------------------------

  panel.onEvent('in session', (isResuming) => {
    if (panel.sessionKind() !== 'replay') return;
    model.notice = ['ok', isResuming ? 'Still recording: the replay goes on across pages.' : 'Recording a replay of this tab.'];
    if (isResuming) return;
    local.warning = '';
  });
  panel.onEvent('replay timeout warning', (message) => {
    local.warning = typeof message === 'string' && message ? message : 'The recording has almost reached its maximum length.';
  });
  panel.onEvent(WAITING, () => {
    local.warning = '';
    panel.storageSet('sessionStorage', MUTED_KEY, null);
  });

  // ---------------------------------------------------------------------------------------
  // The section
  // ---------------------------------------------------------------------------------------

  const section = {
    id: 'replay',
    title: 'Replay video',
    before: 'invite',
    build(container) {
      container.append(buildIdle(), buildRecording(), ...replay.buildVideo());
      view.replayBadge = el('span', { id: 'cwmn-replay-badge', className: 'cwmn-p-badge cwmn-p-badge--rec', hidden: true, title: 'Recording a replay' }, [
        el('span', { className: 'cwmn-p-badge-dot', 'aria-hidden': 'true' }), 'REC ', view.replayBadgeTime = el('span', { className: 'cwmn-p-badge-time' }),
      ]);
      view.toggle.insertBefore(view.replayBadge, view.headerCount);
    },
    update(state) {
      const phase = phaseOf(state);
      section.element.dataset.phase = phase;
      view.replayIdle.hidden = phase !== 'idle';
      view.replayRecording.hidden = phase !== 'recording';
      renderIdle(state);
      renderRecording(phase === 'recording');
      replay.renderVideo(phase);
    },
  };
  panel.defineSection(section);

  function phaseOf(state) {
    if (panel.sessionKind(state) === 'replay') return 'recording';
    if (state === WAITING) return 'rendering';
    if (state === COMPLETE) return 'complete';
    if (state === 'replay error') return 'error';
    return 'idle';
  }

  // --- no session: "Record a replay" ------------------------------------------------------

  function buildIdle() {
    view.replayStartLabel = el('span', { text: 'Record a replay' });
    view.replayStart = el('button', {
      id: 'cwmn-replay-start', className: 'cwmn-p-btn cwmn-p-btn--rec cwmn-p-btn--block', type: 'button', on: { click: startReplay },
    }, [el('span', { className: 'cwmn-p-rec-dot', 'aria-hidden': 'true' }), view.replayStartLabel]);
    view.replayIdleNote = el('p', { id: 'cwmn-replay-note', className: 'cwmn-p-hint cwmn-p-hint--below' });
    view.replayIdle = el('div', {}, [
      el('p', { className: 'cwmn-p-hint', text: 'Record this tab, with your voice if you allow the microphone, into a video you can preview, then email or discard.' }),
      view.replayStart,
      view.replayIdleNote,
    ]);
    return view.replayIdle;
  }

  function renderIdle(state) {
    const starting = model.busy.has('start-replay');
    const domain = readApi(() => api.getDomainInfo(), null);
    const supported = !(domain && domain.features && domain.features.replay === false);
    view.replayStart.disabled = state !== 'no session' || !supported || starting || model.busy.has('start');
    view.replayStartLabel.textContent = starting ? 'Starting the recording…' : 'Record a replay';
    let note = 'Uses the host name and email of the Session section.';
    if (!supported) note = 'This server does not record replays.';
    else if (panel.sessionKind(state) === 'realtime') note = 'End the live session to record a replay.';
    view.replayIdleNote.textContent = note;
  }

  async function startReplay() {
    replay.clearResult();
    await panel.startSession({ isReplay: true });
  }

  // --- in session (replay): indicator, mute, stop ----------------------------------------

  function buildRecording() {
    view.replayElapsed = el('span', { id: 'cwmn-replay-elapsed', className: 'cwmn-p-rec-time', text: '00:00', title: 'Recorded so far' });
    view.replayLeft = el('span', { id: 'cwmn-replay-left', className: 'cwmn-p-rec-left' });
    view.replayMeter = el('span', { className: 'cwmn-p-rec-meter-fill' });
    view.replayIndicator = el('div', { id: 'cwmn-replay-indicator', className: 'cwmn-p-rec' }, [
      el('div', { className: 'cwmn-p-rec-line' }, [
        el('span', { className: 'cwmn-p-rec-dot', 'aria-hidden': 'true' }),
        el('strong', { className: 'cwmn-p-rec-label', text: 'Recording' }),
        view.replayElapsed,
        view.replayLeft,
      ]),
      el('div', { className: 'cwmn-p-rec-meter', 'aria-hidden': 'true' }, [view.replayMeter]),
    ]);
    view.replayWarning = el('div', { id: 'cwmn-replay-warning', className: 'cwmn-p-alert cwmn-p-alert--warn', role: 'alert', hidden: true });
    const mute = panel.buildSwitch({
      id: 'cwmn-replay-mute', label: 'Mute microphone', hint: 'The recording goes on; the video is silent while muted.', onChange: setMuted,
    });
    view.replayMute = mute.input;
    view.replayStop = el('button', {
      id: 'cwmn-replay-stop', className: 'cwmn-p-btn cwmn-p-btn--danger cwmn-p-btn--block', type: 'button', on: { click: stopRecording },
    }, [el('span', { className: 'cwmn-p-stop-icon', 'aria-hidden': 'true' }), view.replayStopLabel = el('span', { text: 'Stop recording' })]);
    view.replayRecording = el('div', { className: 'cwmn-p-stack' }, [
      view.replayIndicator, view.replayWarning, mute.row, view.replayStop,
      el('p', { className: 'cwmn-p-hint', text: 'Stopping renders the video. You can preview it before sending it.' }),
    ]);
    return view.replayRecording;
  }

  function renderRecording(recording) {
    const info = recording ? readApi(() => api.session.getSessionInfo(), null) : null;
    view.replayBadge.hidden = !info;
    if (!info) return;
    const now = Date.now();
    const started = panel.toEpochMs(info.startedAt);
    const expires = panel.toEpochMs(info.expiresAt);
    const elapsed = started === null ? '—' : panel.formatDuration(now - started);
    const left = expires === null ? null : expires - now;
    view.replayElapsed.textContent = elapsed;
    view.replayBadgeTime.textContent = elapsed;
    view.replayLeft.textContent = left === null ? '' : `${panel.formatDuration(left)} left`;
    view.replayLeft.title = expires === null ? '' : `The recording stops by itself at ${panel.formatClock(expires)}`;
    const ending = left !== null && left <= WARN_LEFT_MS;
    view.replayIndicator.classList.toggle('is-ending', ending || Boolean(local.warning));
    view.replayBadge.classList.toggle('is-ending', ending || Boolean(local.warning));
    const fraction = started !== null && expires !== null && expires > started ? (now - started) / (expires - started) : 0;
    view.replayMeter.style.width = `${Math.min(100, Math.max(0, fraction * 100)).toFixed(1)}%`;
    view.replayWarning.hidden = !local.warning;
    view.replayWarning.textContent = local.warning;
    const muting = model.busy.has('replay-mute');
    if (!muting) view.replayMute.checked = isMuted(info);
    view.replayMute.disabled = muting;
    const stopping = model.busy.has('replay-stop');
    view.replayStop.disabled = stopping;
    view.replayStopLabel.textContent = stopping ? 'Stopping…' : 'Stop recording';
  }

  function isMuted(info) {
    return info.sessionId !== undefined && panel.storageGet('sessionStorage', MUTED_KEY) === String(info.sessionId);
  }

  async function setMuted() {
    const muted = view.replayMute.checked;
    const result = await callApi('replay-mute', 'replay.muteAudio', () => api.replay.muteAudio(muted));
    const info = readApi(() => api.session.getSessionInfo(), null);
    if (result.ok && info) panel.storageSet('sessionStorage', MUTED_KEY, muted ? String(info.sessionId) : null);
    panel.scheduleRender();
  }

  async function stopRecording() {
    await callApi('replay-stop', 'session.endSession', () => api.session.endSession());
  }
})();
