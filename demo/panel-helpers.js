// panel-helpers.js — small helpers shared by every file of the cwmn demo's host panel: building
// elements (el, switches, form fields), turning values into text (times, durations, pointer
// positions, event arguments for the log), and copying or opening a link. Loaded by every demo
// page right after panel.js; adds these to panel.js's extension hook (window.cwmnDemoPanel).
// No cwmn calls here. Untrusted strings only ever reach the page through textContent: el()
// sets `text` with textContent, and attributes with setAttribute.
'use strict';

(function cwmnHostPanelHelpers() {
  const panel = window.cwmnDemoPanel;
  if (!panel) {
    console.error('[cwmn panel] panel-helpers.js needs panel.js to be loaded first');
    return;
  }
  const core = panel.part('core');

  const LOG_DETAIL_MAX = 160; // the longest event detail the log shows

  // ---------------------------------------------------------------------------------------
  // Elements
  // ---------------------------------------------------------------------------------------

  /** Creates an element; `props` may hold attributes (strings), `text`, `className`, `on`. */
  function el(tag, props = {}, children = []) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'text') node.textContent = String(value);
      else if (key === 'className') node.className = value;
      else if (key === 'on') for (const [type, handler] of Object.entries(value)) node.addEventListener(type, handler);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of [].concat(children)) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  /** An <input type=checkbox role=switch> styled as a switch, with its label and hint. */
  function buildSwitch({ id, label, hint, onChange }) {
    const input = el('input', { id, className: 'cwmn-p-switch', type: 'checkbox', role: 'switch', on: { change: onChange } });
    const text = el('span', { className: 'cwmn-p-toggle-text' }, [
      el('span', { className: 'cwmn-p-toggle-label', text: label }),
      hint ? el('span', { className: 'cwmn-p-toggle-hint', text: hint }) : null,
    ]);
    return { input, row: el('label', { className: 'cwmn-p-toggle', for: id }, [text, input]) };
  }

  /** A form field: its label (with an optional extra on the right, e.g. a counter) over `control`. */
  function buildField(id, label, control, extra) {
    return el('div', { className: 'cwmn-p-field' }, [
      el('div', { className: 'cwmn-p-field-head' }, [el('label', { className: 'cwmn-p-label', for: id, text: label }), extra || null]),
      control,
    ]);
  }

  // ---------------------------------------------------------------------------------------
  // Text
  // ---------------------------------------------------------------------------------------

  function truncate(text, max) {
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
  }

  function safeJson(value) {
    if (value === undefined) return 'undefined';
    if (typeof value === 'function') return 'ƒ';
    try {
      const seen = new WeakSet();
      return JSON.stringify(value, (key, v) => {
        if (typeof v === 'object' && v !== null) {
          if (seen.has(v)) return '[circular]';
          seen.add(v);
        }
        return v;
      }) ?? String(value);
    } catch {
      return String(value);
    }
  }

  function describeArgs(args) {
    return truncate(args.map(safeJson).join(', '), LOG_DETAIL_MAX);
  }

  function toEpochMs(value) {
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'string' && value) {
      const parsed = Date.parse(value);
      if (!Number.isNaN(parsed)) return parsed;
    }
    return null;
  }

  function formatClock(value) {
    const ms = toEpochMs(value);
    if (ms === null) return '—';
    return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  function formatCountdown(msLeft) {
    if (msLeft <= 0) return 'now';
    const total = Math.round(msLeft / 1000);
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    const mmss = `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
    return h ? `${h}:${mmss}` : mmss;
  }

  /** A duration as mm:ss (h:mm:ss from an hour up); negative durations count as zero. */
  function formatDuration(ms) {
    const total = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(total / 3600);
    const mmss = `${String(Math.floor((total % 3600) / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
    return h ? `${h}:${mmss}` : mmss;
  }

  function formatPointer(guest) {
    const { x, y } = guest || {};
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) return '—';
    return `${Math.round(x)}, ${Math.round(y)}`;
  }

  // ---------------------------------------------------------------------------------------
  // Links: check, open, copy
  // ---------------------------------------------------------------------------------------

  function isHttpUrl(text) {
    try {
      const url = new URL(text, location.href);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  }

  /** Opens an http(s) link in a new tab, without giving it a handle on this page. */
  function openLink(url) {
    if (url && isHttpUrl(url)) window.open(url, '_blank', 'noopener');
  }

  /** Copies `text` (shown in `input`), then says so on `button` for a moment. */
  async function copyText(text, input, button) {
    if (!text) return;
    let copied = false;
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(text);
        copied = true;
      } catch { /* fall back below */ }
    }
    if (!copied) copied = copyBySelection(input);
    flashButton(button, copied ? 'Copied ✓' : 'Press Ctrl+C', 'Copy');
  }

  function copyBySelection(input) {
    input.focus();
    input.select();
    input.setSelectionRange(0, input.value.length);
    try { return document.execCommand('copy'); } catch { return false; }
  }

  function flashButton(button, text, restore) {
    button.textContent = text;
    clearTimeout(button.cwmnFlashTimer);
    button.cwmnFlashTimer = setTimeout(() => { button.textContent = restore; }, 1500);
  }

  Object.assign(core, { truncate, safeJson, describeArgs });
  Object.assign(panel, {
    el, buildSwitch, buildField, toEpochMs, formatClock, formatCountdown, formatDuration, formatPointer,
    isHttpUrl, openLink, copyText, flashButton,
  });
})();
