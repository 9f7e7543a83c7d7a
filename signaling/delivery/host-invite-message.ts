// The words of an invitation to host ("invite to host"): an email whose first
// link, in both parts, is the host link, ahead of any text the inviter wrote;
// everything they wrote is escaped in the HTML part.

import type { MailMessage } from './delivery.js';
import { escapeHtml } from './html.js';

/** What an invitation to host says. */
export interface HostInviteContent {
  /** Who invites (`hostName` of `inviteToHost`); '' when not given. */
  inviterName: string;
  /** Who is invited; '' when not given. */
  inviteeName: string;
  /** The inviter's personal message ('' for none). */
  message: string;
  /** Opening it lands on the site and starts hosting there. */
  hostLink: string;
  /** The site the invitee will show (the landing page's host name, e.g. `shop.example`). */
  site: string;
  /** The join code, when the invite has one, and where to type it. */
  joinCode?: { code: string; pageUrl: string };
  /** Epoch milliseconds: the invitation expires then. */
  expiresAt: number;
}

/** Subject of an invitation to host. */
export function hostInviteSubject(inviterName: string): string {
  return `${inviterName || 'Someone'} invited you to show them a page`;
}

/** The invitation to host as an email to `to`. */
export function hostInviteMail(to: string, c: HostInviteContent): MailMessage {
  const inviter = c.inviterName || 'Someone';
  const until = new Date(c.expiresAt).toUTCString();
  const greeting = c.inviteeName ? `Hi ${c.inviteeName}, ` : '';
  const intro = `${greeting}${inviter} would like to look at ${c.site} together with you. When you open the link, `
    + `the page opens in your browser and ${inviter} sees it live as you browse, and can point at things. `
    + 'There is nothing to install, and you can end the session at any time.';
  const code = c.joinCode
    ? `You can also go to ${c.joinCode.pageUrl} and type the code ${c.joinCode.code}.`
    : '';
  const footer = `The invitation is for you only: it works once, until ${until}.`;

  const text = [
    'You are invited to a co-browsing session.',
    '',
    'Start it here:',
    c.hostLink,
    '',
    intro,
    ...(code ? ['', code] : []),
    ...(c.message ? ['', `Message from ${inviter}:`, ...c.message.split(/\r?\n/).map((line) => `> ${line}`)] : []),
    '',
    footer,
    '',
  ].join('\n');

  const link = escapeHtml(c.hostLink);
  const codeHtml = c.joinCode
    ? `<p style="margin:0 0 16px">You can also go to <a href="${escapeHtml(c.joinCode.pageUrl)}">${escapeHtml(c.joinCode.pageUrl)}</a> and type the code <strong style="font:bold 18px/1 monospace;letter-spacing:.12em">${escapeHtml(c.joinCode.code)}</strong>.</p>
`
    : '';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(hostInviteSubject(c.inviterName))}</title></head>
<body style="margin:0;padding:24px;font:16px/1.5 Arial,Helvetica,sans-serif;color:#0f172a;background:#ffffff">
<p style="font-size:20px;margin:0 0 16px">You are invited to a co-browsing session.</p>
<p style="margin:0 0 24px"><a href="${link}" style="display:inline-block;padding:12px 20px;border-radius:6px;background:#1d4ed8;color:#ffffff;text-decoration:none;font-weight:bold">Start the session</a></p>
<p style="margin:0 0 16px">${escapeHtml(intro)}</p>
${codeHtml}${c.message ? `<p style="margin:0 0 4px;color:#475569">Message from ${escapeHtml(inviter)}:</p>
<blockquote style="margin:0 0 16px;padding:8px 12px;border-left:4px solid #cbd5e1;white-space:pre-wrap">${escapeHtml(c.message)}</blockquote>
` : ''}<p style="margin:0 0 8px;font-size:13px;color:#475569">If the button does not work, copy this address into your browser:<br><span style="word-break:break-all">${link}</span></p>
<p style="margin:0;font-size:13px;color:#475569">${escapeHtml(footer)}</p>
</body></html>
`;
  return { to, subject: hostInviteSubject(c.inviterName), text, html };
}
