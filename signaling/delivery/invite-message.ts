// The words of a guest invite: an email (text and HTML parts) or an SMS.
// The invite link is the first link of each, ahead of any text the host or
// guest wrote; everything they wrote is escaped in the HTML part.

import type { MailMessage, SmsMessage } from './delivery.js';
import { invitationMail } from './invitation-mail.js';

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
  const greeting = c.guestName ? `Hi ${c.guestName}, ` : '';
  return invitationMail(to, {
    subject: inviteSubject(c.hostName),
    linkLead: 'Join it here:',
    button: 'Join the session',
    link: c.link,
    intro: `${greeting}${host} invited you to join them. When you open the link you see ${host}'s browser page live, `
      + 'and you can point at things to show them. There is nothing to install.',
    from: host,
    message: c.message,
    footer: `The link is for you only: it works once, until ${new Date(c.expiresAt).toUTCString()}.`,
  });
}

/** The invite as an SMS to `to`: a short text and the link, never the personal message. */
export function inviteSms(to: string, c: InviteContent): SmsMessage {
  return { to, body: `${c.hostName || 'Someone'} invited you to a co-browsing session: ${c.link}` };
}
