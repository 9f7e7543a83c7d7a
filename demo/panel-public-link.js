// panel-public-link.js — the "Public link" section of the cwmn demo's host panel: the "Share a
// public link" switch (publicLink.setEnabled / publicLink.getEnabled), the link while it is on
// (publicLink.generate), Copy and Open. Loaded by every demo page after panel-guests.js; builds
// on panel.js's extension hook (window.cwmnDemoPanel) and, for every cwmn call, on the public
// window.CwmnAPI only. The link is set as the input's value (never as markup) and carries
// data-cwmn-mask: guests watching this page see asterisks, not a link to pass on.
'use strict';

(function cwmnHostPanelPublicLink() {
  const panel = window.cwmnDemoPanel;
  if (!panel) {
    console.error('[cwmn panel] panel-public-link.js needs panel.js to be loaded first');
    return;
  }
  const { api, model, view, el, callApi, readApi, buildSwitch } = panel;

  /** The switch works in a realtime session only (not while recording a replay). */
  const isRealtime = (state = panel.currentState()) => panel.sessionKind(state) === 'realtime';

  /** What this file keeps itself (the API does not report it). */
  const local = {
    publicLink: '', // the link publicLink.generate() gave while the public link is on
    publicLinkFailed: false, // generate() failed: don't retry it on every render
  };

  // Forget the link of the session that ended; a new session may generate again.
  function forgetSession() {
    local.publicLink = '';
    local.publicLinkFailed = false;
  }

  panel.onEvent('end session', forgetSession);
  panel.onEvent('reinit', forgetSession);
  panel.onEvent('in session', () => { local.publicLinkFailed = false; });
  panel.onEvent('connection issue resolved', () => { if (publicLinkEnabled()) fetchPublicLink(); });

  panel.defineSection({
    id: 'public-link',
    title: 'Public link',
    before: 'log',
    build(container) {
      const toggle = buildSwitch({
        id: 'cwmn-public-toggle',
        label: 'Share a public link',
        hint: 'Anyone who has it can join, as often as they like.',
        onChange: setPublicLinkEnabled,
      });
      view.publicToggle = toggle.input;
      view.publicLink = el('input', {
        id: 'cwmn-public-link', className: 'cwmn-p-input cwmn-p-mono', type: 'text', readonly: true,
        placeholder: 'Creating the link…', 'aria-label': 'Public link', on: { focus: (e) => e.target.select() },
        'data-cwmn-mask': true, // guests watching this page get no copy of the link to pass on
      });
      view.publicCopy = el('button', {
        id: 'cwmn-public-copy', className: 'cwmn-p-btn cwmn-p-btn--small', type: 'button', text: 'Copy',
        on: { click: () => panel.copyText(local.publicLink, view.publicLink, view.publicCopy) },
      });
      view.publicOpen = el('button', {
        id: 'cwmn-public-open', className: 'cwmn-p-btn cwmn-p-btn--small', type: 'button', text: 'Open', title: 'Open in a new tab',
        on: { click: () => panel.openLink(local.publicLink) },
      });
      view.publicRow = el('div', { className: 'cwmn-p-linkrow', hidden: true }, [view.publicLink, view.publicCopy, view.publicOpen]);
      view.publicNote = el('p', { id: 'cwmn-public-note', className: 'cwmn-p-hint cwmn-p-hint--below' });
      container.append(toggle.row, view.publicRow, view.publicNote);
    },
    update(state) {
      renderPublicLink(isRealtime(state));
    },
  });

  function publicLinkEnabled() {
    return isRealtime() && readApi(() => api.publicLink.getEnabled(), false) === true;
  }

  function renderPublicLink(inSession) {
    const enabled = inSession && publicLinkEnabled();
    const busy = model.busy.has('public-link');
    if (!busy) view.publicToggle.checked = enabled; // while a change is pending, show the choice made
    view.publicToggle.disabled = !inSession || busy;
    if (!enabled && !busy) local.publicLink = '';
    // On but no link yet (e.g. a page load resumed a session with the link on): fetch it once.
    if (enabled && !busy && !local.publicLink && !local.publicLinkFailed) fetchPublicLink();
    view.publicRow.hidden = !enabled;
    if (view.publicLink.value !== local.publicLink) view.publicLink.value = local.publicLink;
    view.publicLink.placeholder = local.publicLinkFailed ? 'Could not get the link' : 'Creating the link…';
    view.publicCopy.disabled = !local.publicLink;
    view.publicOpen.disabled = !local.publicLink || !panel.isHttpUrl(local.publicLink);
    view.publicNote.textContent = publicLinkNote(enabled, busy);
  }

  function publicLinkNote(enabled, busy) {
    if (busy) return view.publicToggle.checked ? 'Turning the public link on…' : 'Turning the public link off…';
    return enabled
      ? 'Turning it off revokes this link for good; turning it on again makes a new one.'
      : 'Off. Turning it on makes a new link — links revoked earlier never work again.';
  }

  async function setPublicLinkEnabled() {
    const enabled = view.publicToggle.checked;
    local.publicLink = '';
    local.publicLinkFailed = false;
    const result = await callApi('public-link', 'publicLink.setEnabled', () => api.publicLink.setEnabled(enabled));
    if (result.ok && enabled) await fetchPublicLink();
  }

  async function fetchPublicLink() {
    const result = await callApi('public-link', 'publicLink.generate', () => api.publicLink.generate());
    if (result.ok && typeof result.value === 'string') local.publicLink = result.value;
    else local.publicLinkFailed = true;
    panel.scheduleRender();
  }
})();
