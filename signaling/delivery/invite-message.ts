// The words of a guest invite: an email (text and HTML parts) or an SMS.
// The invite link is the first link of each, ahead of any text the host or
// guest wrote; everything they wrote is escaped in the HTML part.

import type { MailMessage, SmsMessage } from './delivery.js';
import { escapeHtml } from './html.js';

/** What an invite says. */
export interface InviteContent {
  hostName: string;
  /** '' when the host gave none. */
  guestName: string;
  /** The host's personal message ('' for none); never part of an SMS. */
  message: string;
  /** The guest's one-time link, as made by `inviteLink`. */
  link: string;
  /** Epoch milliseconds: the link expires then. */
  expiresAt: number;
}

/** The link a guest is sent: the invite URL, with `?name=` so the viewer shows their name. */
export function inviteLink(url: string, guestName: string): string {
  return guestName ? `${url}?name=${encodeURIComponent(guestName)}` : url;
}

/** Subject of an invite mail. */
export function inviteSubject(hostName: string): string {
  return `${hostName || 'Someone'} invited you to a co-browsing session`;
}

/** The invite as an email to `to`. */
export function inviteMail(to: string, c: InviteContent): MailMessage {
  const host = c.hostName || 'Someone';
  const until = new Date(c.expiresAt).toUTCString();
  const greeting = c.guestName ? `Hi ${c.guestName}, ` : '';
  const intro = `${greeting}${host} invited you to join them. When you open the link you see ${host}'s browser page live, `
    + 'and you can point at things to show them. There is nothing to install.';
  const footer = `The link is for you only: it works once, until ${until}.`;

  const text = [
    'You are invited to a co-browsing session.',
    '',
    'Join it here:',
    c.link,
    '',
    intro,
    ...(c.message ? ['', `Message from ${host}:`, ...c.message.split(/\r?\n/).map((line) => `> ${line}`)] : []),
    '',
    footer,
    '',
  ].join('\n');

  const link = escapeHtml(c.link);
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(inviteSubject(c.hostName))}</title></head>
<body style="margin:0;padding:24px;font:16px/1.5 Arial,Helvetica,sans-serif;color:#0f172a;background:#ffffff">
<p style="font-size:20px;margin:0 0 16px">You are invited to a co-browsing session.</p>
<p style="margin:0 0 24px"><a href="${link}" style="display:inline-block;padding:12px 20px;border-radius:6px;background:#1d4ed8;color:#ffffff;text-decoration:none;font-weight:bold">Join the session</a></p>
<p style="margin:0 0 16px">${escapeHtml(intro)}</p>
${c.message ? `<p style="margin:0 0 4px;color:#475569">Message from ${escapeHtml(host)}:</p>
<blockquote style="margin:0 0 16px;padding:8px 12px;border-left:4px solid #cbd5e1;white-space:pre-wrap">${escapeHtml(c.message)}</blockquote>
` : ''}<p style="margin:0 0 8px;font-size:13px;color:#475569">If the button does not work, copy this address into your browser:<br><span style="word-break:break-all">${link}</span></p>
<p style="margin:0;font-size:13px;color:#475569">${escapeHtml(footer)}</p>
</body></html>
`;
  return { to, subject: inviteSubject(c.hostName), text, html };
}

/** The invite as an SMS to `to`: a short text and the link, never the personal message. */
export function inviteSms(to: string, c: InviteContent): SmsMessage {
  return { to, body: `${c.hostName || 'Someone'} invited you to a co-browsing session: ${c.link}` };
}
