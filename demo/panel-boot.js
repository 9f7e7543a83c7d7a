// panel-boot.js — starts the cwmn demo's host panel. Loaded by every demo page after the other
// core panel files (panel.js … panel-invite.js) and before the feature files (panel-guests.js
// and the rest): it freezes panel.js's extension hook (window.cwmnDemoPanel), subscribes to
// every event of the public window.CwmnAPI, then builds the panel (at once: deferred scripts run
// once the page is parsed) and renders it. The feature files loaded after it add their sections
// to the built panel. No untrusted strings here.
'use strict';

(function cwmnHostPanelBoot() {
  const panel = window.cwmnDemoPanel;
  if (!panel) {
    console.error('[cwmn panel] panel-boot.js needs panel.js to be loaded first');
    return;
  }
  const core = panel.part('core');
  const { api, model } = panel;

  Object.freeze(panel);

  function boot() {
    core.buildPanel();
    if (!model.available) {
      core.addLog('error', core.UNAVAILABLE, 'window.CwmnAPI is missing');
    } else {
      panel.refreshGuestsFromApi();
      core.startClock();
    }
    core.render();
  }

  if (api) core.subscribe();

  if (document.body) boot();
  else document.addEventListener('DOMContentLoaded', boot, { once: true });
})();
