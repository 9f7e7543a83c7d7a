// panel-replay-video.js — the replay video once the recording stops, for the "Replay video"
// section of the cwmn demo's host panel (panel-replay.js holds the section, its phases and the
// recording itself). Loaded by every demo page after panel-privacy.js and right BEFORE
// panel-replay.js, which builds the section from the pieces this file hands over through
// panel.part('replay'): buildVideo(), renderVideo(phase) and clearResult(). Builds on panel.js's
// extension hook (window.cwmnDemoPanel) and, for every cwmn call, on the public window.CwmnAPI
// only. Phase by phase:
//   - waiting for replay: the render's progress (`replay progress`, getRenderingProgress);
//   - replay complete: a <video> preview (getVideoURL);
//   - both: the send form (replay.sendVideo: at once, or "when ready" while rendering) and
//     "Abandon" (replay.abandonVideo, after a confirmation);
//   - replay error: the message and "Dismiss" (replay.dismissError);
//   - after any of them: the result of the last send, abandon or dismiss.
// The recipients, subject, message and results carry data-cwmn-mask like the panel's other
// forms. Everything that comes from the API is only ever set with textContent.
'use strict';

(function cwmnHostPanelReplayVideo() {
  const panel = window.cwmnDemoPanel;
  if (!panel) {
    console.error('[cwmn panel] panel-replay-video.js needs panel.js to be loaded first');
    return;
  }
  const { api, model, view, el, callApi, readApi } = panel;
  const replay = panel.part('replay'); // shared with panel-replay.js

  const WAITING = 'waiting for replay';
  const COMPLETE = 'replay complete';
  const MESSAGE_MAX = 1000; // the API's limits for the email's message and subject
  const SUBJECT_MAX = 200;
  /** A send accepted while rendering goes out within a poll or two of the render completing. */
  const SEND_STALL_MS = 15 * 1000;

  /** What this file keeps itself (the API does not report it). */
  const local = {
    timedOut: false, // the recording stopped at its maximum length (`replay timeout`)
    progress: null, // the last `replay progress`: { progress, completed }
    pendingSend: null, // { to, timer }: sendVideo accepted while rendering, mailed when ready
    abandoning: false, // abandonVideo is running: the `reinit` it causes is not a sent video
    abandonArmed: false, // the "Delete this video?" confirmation is showing
    errorMessage: '', // what `replay error` said, if anything
    result: null, // { kind: 'ok' | 'info' | 'warn' | 'error', text }: the last send/abandon/dismiss
    readyNotice: null, // the panel's notice for the `ready no session` that ends this replay
  };

  // ---------------------------------------------------------------------------------------
  // Events
  // ---------------------------------------------------------------------------------------

  panel.onEvent('in session', (isResuming) => {
    if (panel.sessionKind() !== 'replay' || isResuming) return; // a new recording: forget the last one
    local.timedOut = false;
    local.result = null;
  });
  panel.onEvent('replay timeout', () => { local.timedOut = true; });
  panel.onEvent(WAITING, () => {
    local.progress = { progress: 0, completed: false };
    local.abandonArmed = false;
    local.result = null;
  });
  panel.onEvent('replay progress', (progress) => {
    if (progress && typeof progress.progress === 'number') local.progress = progress;
  });
  panel.onEvent(COMPLETE, () => {
    // Rendered with a send pending: the embed mails it now and goes back to no session. If it
    // is still here a while later, the mail failed (the API only logs that): offer it again.
    if (local.pendingSend) local.pendingSend.timer = setTimeout(sendStalled, SEND_STALL_MS);
  });
  panel.onEvent('replay error', (message) => {
    local.errorMessage = typeof message === 'string' ? message : '';
    clearPendingSend();
    local.abandonArmed = false;
  });
  panel.onEvent('reinit', () => {
    // Leaving a replay with a send pending (and not by abandoning it): the video went out.
    if (local.pendingSend && !local.abandoning) {
      videoSent(local.pendingSend.to);
      local.readyNotice = model.notice; // `ready no session` comes next and would replace it
    }
    clearPendingSend();
    local.abandonArmed = false;
    local.timedOut = false;
  });
  panel.onEvent('ready no session', () => {
    if (local.readyNotice) model.notice = local.readyNotice;
    local.readyNotice = null;
  });

  function clearPendingSend() {
    if (local.pendingSend) clearTimeout(local.pendingSend.timer);
    local.pendingSend = null;
  }

  function sendStalled() {
    if (!local.pendingSend || panel.currentState() !== COMPLETE) return;
    local.pendingSend = null;
    local.result = { kind: 'warn', text: 'The video is ready but was not sent: the email may have failed. Send it again.' };
    panel.scheduleRender();
  }

  function videoSent(to) {
    local.result = { kind: 'ok', text: `Replay video sent to ${to}.` };
    model.notice = ['ok', 'The replay video was sent.'];
    clearSendForm();
  }

  // ---------------------------------------------------------------------------------------
  // The pieces, for panel-replay.js's section
  // ---------------------------------------------------------------------------------------

  /** The elements of the section after the recording ones, in order. */
  function buildVideo() {
    view.replayResult = el('p', {
      id: 'cwmn-replay-result', className: 'cwmn-p-result', role: 'status', 'aria-live': 'polite', hidden: true, 'data-cwmn-mask': true,
    });
    return [buildRendering(), buildPreview(), buildSendForm(), buildError(), view.replayResult];
  }

  /** `phase`: 'idle' | 'recording' | 'rendering' | 'complete' | 'error' (see panel-replay.js). */
  function renderVideo(phase) {
    view.replayRendering.hidden = phase !== 'rendering';
    view.replayPreview.hidden = phase !== 'complete';
    view.replaySendForm.hidden = phase !== 'rendering' && phase !== 'complete';
    view.replayError.hidden = phase !== 'error';
    renderRendering(phase === 'rendering');
    renderPreview(phase === 'complete');
    renderSendForm(phase);
    view.replayErrorText.textContent = local.errorMessage || 'No video was made and nothing was sent. Dismiss this to record again.';
    view.replayDismiss.disabled = model.busy.has('replay-dismiss');
    const result = phase === 'recording' ? null : local.result;
    view.replayResult.hidden = !result;
    if (result) {
      view.replayResult.className = `cwmn-p-result cwmn-p-result--${result.kind}`;
      view.replayResult.textContent = result.text;
    }
  }

  function clearResult() {
    local.result = null;
  }

  // --- waiting for replay: progress ------------------------------------------------------

  function buildRendering() {
    view.replayProgress = el('progress', {
      id: 'cwmn-replay-progress', className: 'cwmn-p-progress', max: '1', value: '0', 'aria-labelledby': 'cwmn-replay-progress-label',
    });
    view.replayProgressLabel = el('span', { id: 'cwmn-replay-progress-label', className: 'cwmn-p-progress-label' });
    view.replayPercent = el('span', { className: 'cwmn-p-progress-pct' });
    view.replayTimedOut = el('p', { className: 'cwmn-p-hint cwmn-p-hint--below', text: 'The recording reached its maximum length and stopped by itself.' });
    view.replayRendering = el('div', { className: 'cwmn-p-render' }, [
      el('div', { className: 'cwmn-p-progress-head' }, [view.replayProgressLabel, view.replayPercent]),
      view.replayProgress,
      view.replayTimedOut,
    ]);
    return view.replayRendering;
  }

  function renderRendering(rendering) {
    if (!rendering) return;
    const progress = readApi(() => api.replay.getRenderingProgress(), null) || local.progress || { progress: 0, completed: false };
    const fraction = Math.min(1, Math.max(0, Number(progress.progress) || 0));
    view.replayProgress.value = fraction;
    view.replayPercent.textContent = `${Math.floor(fraction * 100)}%`;
    view.replayProgressLabel.textContent = fraction > 0 ? 'Rendering the video…' : 'Waiting for the renderer…';
    view.replayTimedOut.hidden = !local.timedOut;
  }

  // --- replay complete: preview ----------------------------------------------------------

  function buildPreview() {
    view.replayVideo = el('video', { id: 'cwmn-replay-video', className: 'cwmn-p-video', controls: true, preload: 'metadata', playsinline: true });
    view.replayOpenVideo = el('button', {
      id: 'cwmn-replay-open', className: 'cwmn-p-link', type: 'button', text: 'Open in a new tab',
      on: { click: () => panel.openLink(readApi(() => api.replay.getVideoURL(), '')) },
    });
    view.replayPreview = el('div', { className: 'cwmn-p-preview' }, [
      view.replayVideo,
      el('div', { className: 'cwmn-p-preview-meta' }, [el('span', { text: 'The video is ready. Preview it, then send or abandon it.' }), view.replayOpenVideo]),
    ]);
    return view.replayPreview;
  }

  function renderPreview(complete) {
    const url = complete ? readApi(() => api.replay.getVideoURL(), '') : '';
    if (url && view.replayVideo.getAttribute('src') !== url) view.replayVideo.src = url;
    if (!url && view.replayVideo.hasAttribute('src')) {
      view.replayVideo.removeAttribute('src'); // stop it and let it go: the video is sent or deleted
      view.replayVideo.load();
    }
    view.replayOpenVideo.disabled = !url || !panel.isHttpUrl(url);
  }

  // --- waiting for replay / replay complete: send, abandon ----------------------------------

  function buildSendForm() {
    view.replayTo = el('input', {
      id: 'cwmn-replay-to', className: 'cwmn-p-input', type: 'text', inputmode: 'email', autocomplete: 'off', spellcheck: 'false',
      placeholder: 'ana@example.com, bo@example.com', 'data-cwmn-mask': true,
      on: { input: () => view.replayTo.removeAttribute('aria-invalid') },
    });
    view.replaySubject = el('input', {
      id: 'cwmn-replay-subject', className: 'cwmn-p-input', type: 'text', maxlength: String(SUBJECT_MAX), autocomplete: 'off',
      placeholder: 'Optional', 'data-cwmn-mask': true,
    });
    view.replayMessage = el('textarea', {
      id: 'cwmn-replay-message', className: 'cwmn-p-input cwmn-p-textarea', rows: '3', maxlength: String(MESSAGE_MAX),
      placeholder: 'Optional note for the email', 'data-cwmn-mask': true, on: { input: renderMessageCount },
    });
    view.replayCount = el('span', { className: 'cwmn-p-counter', 'aria-live': 'polite' });
    view.replaySend = el('button', { id: 'cwmn-replay-send', className: 'cwmn-p-btn cwmn-p-btn--primary', type: 'submit', text: 'Send video' });
    view.replayAbandon = el('button', {
      id: 'cwmn-replay-abandon', className: 'cwmn-p-btn cwmn-p-btn--danger', type: 'button', text: 'Abandon',
      title: 'Delete the video and its recording without sending it', on: { click: armAbandon },
    });
    view.replaySendHint = el('p', { id: 'cwmn-replay-send-hint', className: 'cwmn-p-hint cwmn-p-hint--below' });
    view.replaySendForm = el('form', { id: 'cwmn-replay-send-form', className: 'cwmn-p-form', novalidate: true, on: { submit: sendVideo } }, [
      el('p', { className: 'cwmn-p-subhead', text: 'Email the video' }),
      panel.buildField('cwmn-replay-to', 'To (comma-separated)', view.replayTo),
      panel.buildField('cwmn-replay-subject', 'Subject', view.replaySubject),
      panel.buildField('cwmn-replay-message', 'Message', view.replayMessage, view.replayCount),
      el('div', { className: 'cwmn-p-row' }, [view.replaySend, view.replayAbandon]),
      view.replaySendHint,
      buildAbandonConfirm(),
    ]);
    renderMessageCount();
    return view.replaySendForm;
  }

  function buildAbandonConfirm() {
    view.replayAbandonCancel = el('button', {
      id: 'cwmn-replay-abandon-cancel', className: 'cwmn-p-btn cwmn-p-btn--small', type: 'button', text: 'Keep it',
      on: { click: () => { local.abandonArmed = false; panel.scheduleRender(); view.replayAbandon.focus(); } },
    });
    view.replayAbandonConfirm = el('button', {
      id: 'cwmn-replay-abandon-confirm', className: 'cwmn-p-btn cwmn-p-btn--small cwmn-p-btn--danger is-armed', type: 'button',
      text: 'Delete video', on: { click: abandonVideo },
    });
    view.replayAbandonBox = el('div', { id: 'cwmn-replay-abandon-box', className: 'cwmn-p-confirm', role: 'group', 'aria-label': 'Confirm abandon', hidden: true }, [
      el('p', { text: 'Delete this video and its recording without sending it? This cannot be undone.' }),
      el('div', { className: 'cwmn-p-row' }, [view.replayAbandonCancel, view.replayAbandonConfirm]),
    ]);
    return view.replayAbandonBox;
  }

  function renderMessageCount() {
    const length = view.replayMessage.value.length;
    view.replayCount.textContent = `${length} / ${MESSAGE_MAX}`;
    view.replayCount.classList.toggle('is-near', length >= MESSAGE_MAX * 0.9);
  }

  function renderSendForm(phase) {
    if (phase !== 'rendering' && phase !== 'complete') return;
    const sending = model.busy.has('replay-send');
    const abandoning = model.busy.has('replay-abandon');
    const pending = Boolean(local.pendingSend);
    const locked = sending || abandoning || pending;
    for (const control of [view.replayTo, view.replaySubject, view.replayMessage]) control.disabled = locked;
    view.replaySend.disabled = locked;
    if (sending) view.replaySend.textContent = 'Sending…';
    else if (pending) view.replaySend.textContent = phase === 'complete' ? 'Sending…' : 'Will be sent when ready';
    else view.replaySend.textContent = phase === 'complete' ? 'Send video' : 'Send when ready';
    view.replayAbandon.disabled = abandoning || local.abandonArmed;
    view.replayAbandon.textContent = abandoning ? 'Abandoning…' : 'Abandon';
    view.replayAbandonBox.hidden = !local.abandonArmed;
    view.replayAbandonConfirm.disabled = abandoning;
    view.replayAbandonCancel.disabled = abandoning;
    view.replaySendHint.textContent = phase === 'complete'
      ? 'Each address gets a link to the video.'
      : 'You can send it now: it will be sent when ready.';
    view.replaySendHint.hidden = pending;
  }

  async function sendVideo(event) {
    event.preventDefault();
    const state = panel.currentState();
    if (model.busy.has('replay-send') || local.pendingSend || (state !== WAITING && state !== COMPLETE)) return;
    const params = { toEmails: view.replayTo.value.trim() };
    const subject = view.replaySubject.value.trim();
    const message = view.replayMessage.value.trim();
    if (subject) params.subject = subject;
    if (message) params.message = message;
    const to = params.toEmails.split(',').map((s) => s.trim()).filter(Boolean).join(', ');
    local.result = null;
    local.abandonArmed = false;
    const result = await callApi('replay-send', 'replay.sendVideo', () => api.replay.sendVideo(params), { quiet: true });
    if (!result.ok) {
      local.result = { kind: 'error', text: `${result.error.code}: ${result.error.message}` };
      if (result.error.code === 'ERR_INVALID_PARAMS' && !/^[^,\s@]+@[^,\s@]+(\s*,\s*[^,\s@]+@[^,\s@]+)*$/.test(params.toEmails)) {
        view.replayTo.setAttribute('aria-invalid', 'true');
        view.replayTo.focus();
      }
    } else if (panel.currentState() === WAITING) {
      local.pendingSend = { to, timer: 0 };
      local.result = { kind: 'info', text: `Will be sent to ${to} as soon as the video is ready.` };
    } else {
      videoSent(to); // sent at once: the API is back to no session
    }
    panel.scheduleRender();
  }

  function clearSendForm() {
    view.replayTo.value = '';
    view.replaySubject.value = '';
    view.replayMessage.value = '';
    view.replayTo.removeAttribute('aria-invalid');
    renderMessageCount();
  }

  function armAbandon() {
    local.abandonArmed = true;
    panel.scheduleRender();
    requestAnimationFrame(() => view.replayAbandonCancel.focus());
  }

  async function abandonVideo() {
    local.abandoning = true;
    const result = await callApi('replay-abandon', 'replay.abandonVideo', () => api.replay.abandonVideo(), { quiet: true });
    local.abandoning = false;
    local.abandonArmed = false;
    if (result.ok) {
      clearPendingSend();
      clearSendForm();
      local.result = { kind: 'info', text: 'Replay abandoned: the video and its recording were deleted.' };
      model.notice = ['info', 'The replay was abandoned.'];
    } else {
      local.result = { kind: 'error', text: `${result.error.code}: ${result.error.message}` };
    }
    panel.scheduleRender();
  }

  // --- replay error ------------------------------------------------------------------------

  function buildError() {
    view.replayErrorText = el('span');
    view.replayDismiss = el('button', { id: 'cwmn-replay-dismiss', className: 'cwmn-p-btn cwmn-p-btn--small', type: 'button', text: 'Dismiss', on: { click: dismissError } });
    view.replayError = el('div', { id: 'cwmn-replay-error', className: 'cwmn-p-alert cwmn-p-alert--error', role: 'alert' }, [
      el('strong', { text: 'The replay video could not be rendered.' }),
      view.replayErrorText,
      el('div', { className: 'cwmn-p-alert-actions' }, [view.replayDismiss]),
    ]);
    return view.replayError;
  }

  async function dismissError() {
    const result = await callApi('replay-dismiss', 'replay.dismissError', () => api.replay.dismissError(), { quiet: true });
    local.result = result.ok ? null : { kind: 'error', text: `${result.error.code}: ${result.error.message}` };
    local.errorMessage = '';
    panel.scheduleRender();
  }

  Object.assign(replay, { WAITING, COMPLETE, buildVideo, renderVideo, clearResult });
})();
