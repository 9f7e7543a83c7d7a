// panel-shell.js — the frame of the cwmn demo's host panel: the sections registry
// (defineSection), the panel itself (header with the state pill, guest count and collapse
// toggle; the notice; the error banner; one <details> per section) and rendering, coalesced
// to one per frame. Loaded by every demo page after panel-events.js; adds to panel.js's
// extension hook (window.cwmnDemoPanel). panel-boot.js builds the panel with buildPanel().
// The notice and error texts (error messages come from the API) are set with textContent only.
'use strict';

(function cwmnHostPanelShell() {
  const panel = window.cwmnDemoPanel;
  if (!panel) {
    console.error('[cwmn panel] panel-shell.js needs panel.js to be loaded first');
    return;
  }
  const core = panel.part('core');
  const { model, view, el } = panel;

  const sections = []; // { id, title, before?, build(container), update(state) }
  let renderQueued = false;

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

  // ---------------------------------------------------------------------------------------
  // Panel shell: root, header (state pill + collapse toggle), notice, error, sections
  // ---------------------------------------------------------------------------------------

  function buildPanel() {
    const stored = panel.storageGet('localStorage', core.STORAGE_KEYS.collapsed);
    // no saved choice: start open, except on small screens where the panel would cover the page
    const collapsed = stored === null ? window.innerWidth < 700 : stored === '1';
    view.root = el('aside', {
      id: 'cwmn-panel', className: 'cwmn-p', 'data-cwmn-panel': true, 'aria-label': 'cwmn host panel',
    });
    view.state = el('span', { id: 'cwmn-state', className: 'cwmn-p-state', text: panel.currentState() });
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
      el('button', { className: 'cwmn-p-link', type: 'button', text: 'Dismiss', 'aria-label': 'Dismiss error', on: { click: core.clearError } }),
    ]);
    view.body.append(view.notice, view.error);

    for (const section of sections) view.body.append(buildSection(section));
    view.root.append(view.toggle, view.body);
    setCollapsed(collapsed);
    document.body.append(view.root);
    view.built = true;
    core.flushPendingLog();
  }

  function toggleCollapsed() {
    const collapsed = !view.root.classList.contains('is-collapsed');
    setCollapsed(collapsed);
    panel.storageSet('localStorage', core.STORAGE_KEYS.collapsed, collapsed ? '1' : '0');
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
    const state = panel.currentState();
    view.root.dataset.state = state;
    view.state.textContent = state;
    const count = model.guests.size;
    view.headerCount.textContent = `${count} guest${count === 1 ? '' : 's'}`;
    view.headerCount.hidden = panel.sessionKind(state) !== 'realtime';
    renderNotice();
    renderError();
    for (const section of sections) {
      try { section.update(state); } catch (err) { console.error('[cwmn panel]', section.id, err); }
    }
  }

  function renderNotice() {
    let notice = model.notice;
    if (!model.available) notice = ['error', `${core.UNAVAILABLE}: the embed script /clickwithmenow-api.js did not load. Is the server running?`];
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
    setInterval(() => { if (panel.currentState() === 'in session') scheduleRender(); }, 1000);
  }

  Object.assign(core, { buildPanel, render, startClock });
  Object.assign(panel, { defineSection, scheduleRender });
})();
