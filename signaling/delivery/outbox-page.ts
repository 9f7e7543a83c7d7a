// The development outbox as a server-rendered HTML page: every message, newest
// first, with its recipient, subject, text and clickable links. Everything that
// came from a message is escaped; links are only ever http(s) URLs.

import type { OutboxEntry } from './outbox.js';
import { escapeHtml } from './html.js';

/** Policy of the outbox page: no script at all, its own inline styles only. */
export const OUTBOX_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

const STYLE = `
  body { margin: 0 auto; max-width: 56rem; padding: 1.5rem; font: 15px/1.5 system-ui, sans-serif; color: #0f172a; background: #f8fafc; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  .note { color: #b45309; margin: 0 0 1.5rem; }
  article { background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; padding: 1rem 1.25rem; margin: 0 0 1rem; }
  .meta { color: #475569; font-size: .9rem; }
  .channel { display: inline-block; padding: 0 .5rem; border-radius: 4px; background: #e0e7ff; color: #3730a3; font-weight: 600; }
  h2 { font-size: 1.1rem; margin: .5rem 0; }
  pre { white-space: pre-wrap; word-break: break-word; background: #f1f5f9; padding: .75rem; border-radius: 6px; font: 13px/1.45 ui-monospace, monospace; }
  ul.links { padding-left: 1.25rem; } ul.links a { word-break: break-all; }
`;

/** The whole page. */
export function renderOutboxPage(entries: readonly OutboxEntry[]): string {
  const count = `${entries.length} message${entries.length === 1 ? '' : 's'}`;
  const body = entries.length === 0 ? '<p>No messages yet.</p>' : entries.map(renderEntry).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>cwmn outbox (${count})</title><style>${STYLE}</style></head>
<body>
<h1>Development outbox</h1>
<p class="note">${count}. No mail server or SMS webhook is configured, so messages land here instead.
Development only: the links below let anyone in.</p>
${body}
</body></html>
`;
}

function renderEntry(entry: OutboxEntry): string {
  const when = new Date(entry.createdAt).toISOString();
  const links = entry.links.map((url) => `<li><a href="${escapeHtml(url)}">${escapeHtml(url)}</a></li>`).join('');
  return `<article data-id="${escapeHtml(entry.id)}">
<p class="meta"><span class="channel">${entry.channel === 'email' ? 'Email' : 'SMS'}</span>
 to <strong class="to">${escapeHtml(entry.to)}</strong> · <time datetime="${when}">${when}</time></p>
${entry.subject === null ? '' : `<h2 class="subject">${escapeHtml(entry.subject)}</h2>`}
${links ? `<ul class="links">${links}</ul>` : ''}
<pre class="text">${escapeHtml(entry.text)}</pre>
</article>`;
}
