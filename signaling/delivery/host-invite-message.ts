// The words of an invitation to host ("invite to host"): an email whose first
// link, in both parts, is the host link, ahead of any text the inviter wrote;
// everything they wrote is escaped in the HTML part.

import type { MailMessage } from './delivery.js';
import { escapeHtml } from './html.js';
import { invitationMail } from './invitation-mail.js';

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
  const greeting = c.inviteeName ? `Hi ${c.inviteeName}, ` : '';
  const code = c.joinCode;
  return invitationMail(to, {
    subject: hostInviteSubject(c.inviterName),
    linkLead: 'Start it here:',
    button: 'Start the session',
    link: c.hostLink,
    intro: `${greeting}${inviter} would like to look at ${c.site} together with you. When you open the link, `
      + `the page opens in your browser and ${inviter} sees it live as you browse, and can point at things. `
      + 'There is nothing to install, and you can end the session at any time.',
    ...(code ? {
      extra: {
        text: `You can also go to ${code.pageUrl} and type the code ${code.code}.`,
        html: `You can also go to <a href="${escapeHtml(code.pageUrl)}">${escapeHtml(code.pageUrl)}</a> and type the code `
          + `<strong style="font:bold 18px/1 monospace;letter-spacing:.12em">${escapeHtml(code.code)}</strong>.`,
      },
    } : {}),
    from: inviter,
    message: c.message,
    footer: `The invitation is for you only: it works once, until ${new Date(c.expiresAt).toUTCString()}.`,
  });
}
