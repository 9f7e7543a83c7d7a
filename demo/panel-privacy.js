// panel-privacy.js — the "Pause sharing (privacy)" switch of the cwmn demo's host panel.
// Loaded by every demo page after panel.js; builds on panel.js's extension hook
// (window.cwmnDemoPanel) and, for every cwmn call, on the public window.CwmnAPI only:
// privacy.setEnabled / privacy.getEnabled, in a realtime session. While sharing is paused
// the panel's header shows a "Paused" badge, so the host sees it even with the panel folded.
'use strict';

(function cwmnHostPanelPrivacy() {
  const panel = window.cwmnDemoPanel;
  if (!panel) {
    console.error('[cwmn panel] panel-privacy.js needs panel.js to be loaded first');
    return;
  }
  const { api, model, view, el, callApi, readApi } = panel;

  const isRealtime = (state) => panel.sessionKind(state) === 'realtime';

  /** The API's word on privacy; false outside a realtime session (where it throws). */
  function privacyEnabled(state) {
    return isRealtime(state) && readApi(() => api.privacy.getEnabled(), false) === true;
  }

  panel.defineSection({
    id: 'privacy',
    title: 'Privacy',
    before: 'guests',
    build(container) {
      const toggle = panel.buildSwitch({
        id: 'cwmn-privacy-toggle',
        label: 'Pause sharing (privacy)',
        hint: 'Guests see a privacy screen; nothing of the page leaves your browser.',
        onChange: setPrivacy,
      });
      view.privacyToggle = toggle.input;
      view.privacyRow = toggle.row;
      view.privacyNote = el('p', { id: 'cwmn-privacy-note', className: 'cwmn-p-hint cwmn-p-hint--below', 'aria-live': 'polite' });
      view.privacyBadge = el('span', {
        id: 'cwmn-privacy-badge', className: 'cwmn-p-badge cwmn-p-badge--paused', hidden: true,
        title: 'Sharing is paused: guests see a privacy screen',
      }, [el('span', { className: 'cwmn-p-badge-dot', 'aria-hidden': 'true' }), 'Paused']);
      view.toggle.insertBefore(view.privacyBadge, view.headerCount);
      container.append(toggle.row, view.privacyNote);
    },
    update(state) {
      const realtime = isRealtime(state);
      const busy = model.busy.has('privacy');
      const enabled = privacyEnabled(state);
      if (!busy) view.privacyToggle.checked = enabled;
      view.privacyToggle.disabled = !realtime || busy;
      view.privacyRow.classList.toggle('is-on', enabled);
      view.privacyBadge.hidden = !enabled;
      view.privacyNote.textContent = privacyNote(state, enabled);
    },
  });

  function privacyNote(state, enabled) {
    if (enabled) return 'Sharing is paused. Guests see “The host paused sharing for privacy”. Turn it off to send them the page again.';
    if (isRealtime(state)) return 'Turn it on before you show or type something guests must not see.';
    if (panel.sessionKind(state) === 'replay') return 'Not available while recording a replay.';
    return 'Available while you host a live session.';
  }

  async function setPrivacy() {
    const enabled = view.privacyToggle.checked;
    await callApi('privacy', 'privacy.setEnabled', () => api.privacy.setEnabled(enabled));
    panel.scheduleRender();
  }
})();
