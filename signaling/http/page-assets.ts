// The stylesheet and the script of the server's own small pages (the join
// page, the host-link notices). Kept here as text so the server serves them
// from any build; the pages work without the script (plain form POST).

/** Path of the pages' stylesheet (relative to the server root). */
export const PAGE_CSS_FILE = 'join.css';
/** Path of the join page's script (relative to the server root). */
export const JOIN_SCRIPT_FILE = 'join.js';

/** Same look as the guest viewer: dark page, status bar with the brand, a white card. */
export const PAGE_CSS = `
html, body { margin: 0; min-height: 100%; background: #0f172a; color: #e2e8f0;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.cwmn-bar { height: 44px; display: flex; align-items: center; gap: 10px; padding: 0 16px;
  background: #111827; border-bottom: 1px solid #1f2937; box-sizing: border-box; font-size: 14px; }
.cwmn-brand { font-weight: 700; letter-spacing: .04em; color: #93c5fd; }
.cwmn-tag { color: #94a3b8; }
.cwmn-main { max-width: 480px; margin: 0 auto; padding: 8vh 20px 40px; }
.cwmn-card { padding: 28px 28px 32px; border-radius: 14px; background: #fff; color: #0f172a;
  box-shadow: 0 20px 60px rgba(0,0,0,.5); }
.cwmn-card h1 { margin: 0 0 8px; font-size: 26px; line-height: 1.25; }
.cwmn-card > :last-child { margin-bottom: 0; }
.cwmn-lead { margin: 0 0 24px; color: #334155; }
.cwmn-card label { display: block; margin: 0 0 8px; font-weight: 600; }
.cwmn-card input { box-sizing: border-box; width: 100%; padding: 14px 16px; border: 2px solid #cbd5e1; border-radius: 10px;
  font: 600 30px/1.2 ui-monospace, "SF Mono", Menlo, Consolas, monospace; letter-spacing: .18em; text-transform: uppercase;
  text-align: center; color: #0f172a; background: #f8fafc; }
.cwmn-card input:focus { outline: none; border-color: #2563eb; box-shadow: 0 0 0 4px rgba(37,99,235,.2); background: #fff; }
.cwmn-card input[aria-invalid="true"] { border-color: #dc2626; }
.cwmn-hint { margin: 8px 0 0; font-size: 14px; color: #64748b; }
.cwmn-error { min-height: 1.5em; margin: 12px 0; font-weight: 600; color: #b91c1c; }
.cwmn-error:empty { visibility: hidden; }
.cwmn-card button { width: 100%; padding: 14px 20px; border: 0; border-radius: 10px; background: #1d4ed8; color: #fff;
  font-family: inherit; font-size: 18px; font-weight: 700; line-height: 1.2; cursor: pointer; }
.cwmn-card button:hover { background: #1e40af; }
.cwmn-card button:focus-visible { outline: 3px solid #93c5fd; outline-offset: 2px; }
.cwmn-card button[disabled] { background: #64748b; cursor: progress; }
.cwmn-card a { color: #1d4ed8; }
.cwmn-foot { margin: 20px 4px 0; font-size: 14px; color: #94a3b8; }
`;

/**
 * Progressive enhancement of the join form: posts the code to `api/join` and
 * goes where the answer says, or shows the error in the page. Without it the
 * form posts to `join` and the server answers with a redirect or the page again.
 */
export const JOIN_SCRIPT = `(function () {
  'use strict';
  var form = document.getElementById('cwmn-join');
  if (!form || !window.fetch || !window.JSON) return;
  var input = form.querySelector('input[name="code"]');
  var button = form.querySelector('button');
  var error = document.getElementById('cwmn-error');
  var api = form.getAttribute('data-api');
  function show(message) {
    error.textContent = message;
    input.setAttribute('aria-invalid', 'true');
    button.disabled = false;
    input.focus();
    input.select();
  }
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (!input.value.trim()) { show('Type the code you were given.'); return; }
    button.disabled = true;
    error.textContent = '';
    input.removeAttribute('aria-invalid');
    fetch(api, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, credentials: 'omit',
      body: JSON.stringify({ code: input.value })
    }).then(function (res) {
      return res.json().then(function (body) { return { ok: res.ok, body: body }; }, function () { return { ok: false, body: null }; });
    }).then(function (answer) {
      if (answer.ok && answer.body && typeof answer.body.redirect === 'string') {
        window.location.assign(answer.body.redirect);
        return;
      }
      var e = answer.body && answer.body.error;
      show(e && typeof e.message === 'string' ? e.message : 'Something went wrong. Please try again.');
    }, function () {
      show('The server could not be reached. Check your connection and try again.');
    });
  });
})();
`;
