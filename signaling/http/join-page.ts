// The server's own small pages, rendered on the server in the viewer's look:
// the join page (/join), where an invited person types a join code, and the
// notice a host link shows when it cannot be used. Every value is escaped.

import { ErrorCode, type WireError } from '../../src/protocol/index.js';
import { escapeHtml } from '../delivery/html.js';
import { JOIN_SCRIPT_FILE, PAGE_CSS_FILE } from './page-assets.js';

/**
 * Policy of these pages: their own stylesheet and script only, no framing.
 * No `form-action`: the join form's answer is a redirect to the site where
 * hosting starts, which browsers would check against it.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** What the join page shows. */
export interface JoinPageState {
  /** The code as typed (shown again after an error). */
  code: string;
  /** A refusal in plain words, or '' for none. */
  error: string;
  /**
   * The server root relative to the page's URL ('' for `/join`): links stay
   * right behind a proxy that serves the server under a path.
   */
  root: string;
}

/** The join page. */
export function renderJoinPage(state: JoinPageState): string {
  const invalid = state.error ? ' aria-invalid="true"' : '';
  return layout('Start your session', state.root, true, `<section class="cwmn-card">
<h1>Start your session</h1>
<p class="cwmn-lead">Type the code you were given. It takes you to the page you will show, and your session starts there.</p>
<form id="cwmn-join" method="post" action="${state.root}join" data-api="${state.root}api/join" novalidate>
<label for="cwmn-code">Your code</label>
<input id="cwmn-code" name="code" value="${escapeHtml(state.code)}" maxlength="24" required autofocus
  autocomplete="one-time-code" autocapitalize="characters" autocorrect="off" spellcheck="false"
  aria-describedby="cwmn-hint cwmn-error"${invalid}>
<p id="cwmn-hint" class="cwmn-hint">Letters and digits, for example 7KX4 M9QP. Spaces, dashes and lower case do not matter.</p>
<p id="cwmn-error" class="cwmn-error" role="alert">${escapeHtml(state.error)}</p>
<button type="submit">Continue</button>
</form>
</section>
<p class="cwmn-foot">The person who invited you sees the page you show, live, and can point at things. There is nothing to install, and you can end the session at any time.</p>`);
}

/** The page a host link shows when it cannot be used, saying why in plain words. */
export function renderHostLinkNotice(error: WireError, root: string): string {
  const { title, advice } = noticeWords(error);
  return layout(title, root, false, `<section class="cwmn-card">
<h1>${escapeHtml(title)}</h1>
<p class="cwmn-lead">${escapeHtml(advice)}</p>
<p>Were you given a code instead? <a href="${root}join">Type it here</a>.</p>
</section>`);
}

function noticeWords(error: WireError): { title: string; advice: string } {
  const ask = 'Ask the person who invited you for a new invitation.';
  switch (error.code) {
    case ErrorCode.LINK_USED: return { title: 'This invitation was already used', advice: `Each invitation starts one session. ${ask}` };
    case ErrorCode.LINK_EXPIRED: return { title: 'This invitation has expired', advice: ask };
    case ErrorCode.LINK_REVOKED: return { title: 'This invitation was withdrawn', advice: ask };
    case ErrorCode.SESSION_ENDED: return { title: 'This session has already ended', advice: ask };
    default: return { title: 'This invitation link is not valid', advice: `Check that you opened the whole link. ${ask}` };
  }
}

function layout(title: string, root: string, withScript: boolean, main: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · cwmn</title>
<link rel="stylesheet" href="${root}${PAGE_CSS_FILE}">
${withScript ? `<script src="${root}${JOIN_SCRIPT_FILE}" defer></script>\n` : ''}</head>
<body>
<header class="cwmn-bar"><span class="cwmn-brand">cwmn</span><span class="cwmn-tag">co-browsing</span></header>
<main class="cwmn-main">
${main}
</main>
</body>
</html>
`;
}
