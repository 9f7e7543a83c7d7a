// panel-log.js — the "Event log" section of the cwmn demo's host panel: every API event and
// call, newest first (at most 100 lines), with `roomdata update` (up to 60 a second) summarised
// to one line a second. Entries that come before the panel is built wait and are shown then.
// Loaded by every demo page after panel-shell.js; adds to panel.js's extension hook
// (window.cwmnDemoPanel). Entries (guest names, event arguments, links) are untrusted: they
// are set with textContent only, and their details carry data-cwmn-mask.
'use strict';

(function cwmnHostPanelLog() {
  const panel = window.cwmnDemoPanel;
  if (!panel) {
    console.error('[cwmn panel] panel-log.js needs panel.js to be loaded first');
    return;
  }
  const core = panel.part('core');
  const { view, el } = panel;

  const LOG_LIMIT = 100;
  const ROOMDATA_LOG_INTERVAL_MS = 1000;

  const pendingLog = []; // log entries that arrived before the view was built
  const roomdataThrottle = { timer: 0, skipped: 0, latest: null };

  // ---------------------------------------------------------------------------------------
  // Entries
  // ---------------------------------------------------------------------------------------

  function addLog(kind, name, detail) {
    const entry = { kind, name, detail: detail || '', at: Date.now() };
    if (view.built) renderLogEntry(entry);
    else {
      pendingLog.push(entry);
      if (pendingLog.length > LOG_LIMIT) pendingLog.shift();
    }
  }

  /** Shows the entries that came before the panel was built (panel-shell.js calls it then). */
  function flushPendingLog() {
    for (const entry of pendingLog.splice(0)) renderLogEntry(entry);
  }

  function summariseGuests(list) {
    if (!Array.isArray(list)) return core.describeArgs([list]);
    const parts = list.slice(0, 4).map((g) => `${core.truncate(String(g && g.name !== undefined ? g.name : '?'), 24)} @ ${panel.formatPointer(g)}`);
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
  // The section (the last one: the other sections go in front of it)
  // ---------------------------------------------------------------------------------------

  panel.defineSection({
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
      el('time', { className: 'cwmn-p-log-time', text: panel.formatClock(entry.at) }),
      el('span', { className: 'cwmn-p-log-name', text: entry.name }),
      // masked in the guests' mirror: details hold links and invitees' addresses
      entry.detail ? el('span', { className: 'cwmn-p-log-detail', text: entry.detail, 'data-cwmn-mask': true }) : null,
    ]);
    view.log.insertBefore(li, view.log.firstChild);
    while (view.log.children.length > LOG_LIMIT) view.log.lastElementChild.remove();
  }

  Object.assign(core, { addLog, flushPendingLog, logRoomdata, flushRoomdataLog });
})();
