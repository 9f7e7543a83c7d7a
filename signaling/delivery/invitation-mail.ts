// The layout every invitation mail shares (a guest invite, an invitation to
// host): a text part and an HTML part whose first link is the invitation's,
// ahead of anything a person wrote; everything they wrote is escaped in the HTML.

import type { MailMessage } from './delivery.js';
import { escapeHtml } from './html.js';

/** What goes into an invitation mail. */
export interface InvitationParts {
  subject: string;
  /** The line introducing the link in the text part ("Join it here:"). */
  linkLead: string;
  /** The label of the link's button in the HTML part ("Join the session"). */
  button: string;
  link: string;
  /** What opening the link does, in words. */
  intro: string;
  /** A paragraph after the intro, as text and as HTML (whatever it quotes already escaped). */
  extra?: { text: string; html: string };
  /** Who wrote `message`. */
  from: string;
  /** The personal message ('' for none). */
  message: string;
  /** How long, and for whom, the link works. */
  footer: string;
}

const MUTED = 'color:#475569';

/** The invitation as an email to `to`. */
export function invitationMail(to: string, p: InvitationParts): MailMessage {
  const text = [
    'You are invited to a co-browsing session.',
    '',
    p.linkLead,
    p.link,
    '',
    p.intro,
    ...(p.extra ? ['', p.extra.text] : []),
    ...(p.message ? ['', `Message from ${p.from}:`, ...p.message.split(/\r?\n/).map((line) => `> ${line}`)] : []),
    '',
    p.footer,
    '',
  ].join('\n');

  const link = escapeHtml(p.link);
  const message = p.message
    ? `<p style="margin:0 0 4px;${MUTED}">Message from ${escapeHtml(p.from)}:</p>
<blockquote style="margin:0 0 16px;padding:8px 12px;border-left:4px solid #cbd5e1;white-space:pre-wrap">${escapeHtml(p.message)}</blockquote>
`
    : '';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(p.subject)}</title></head>
<body style="margin:0;padding:24px;font:16px/1.5 Arial,Helvetica,sans-serif;color:#0f172a;background:#ffffff">
<p style="font-size:20px;margin:0 0 16px">You are invited to a co-browsing session.</p>
<p style="margin:0 0 24px"><a href="${link}" style="display:inline-block;padding:12px 20px;border-radius:6px;background:#1d4ed8;color:#ffffff;text-decoration:none;font-weight:bold">${escapeHtml(p.button)}</a></p>
<p style="margin:0 0 16px">${escapeHtml(p.intro)}</p>
${p.extra ? `<p style="margin:0 0 16px">${p.extra.html}</p>\n` : ''}${message}<p style="margin:0 0 8px;font-size:13px;${MUTED}">If the button does not work, copy this address into your browser:<br><span style="word-break:break-all">${link}</span></p>
<p style="margin:0;font-size:13px;${MUTED}">${escapeHtml(p.footer)}</p>
</body></html>
`;
  return { to, subject: p.subject, text, html };
}
