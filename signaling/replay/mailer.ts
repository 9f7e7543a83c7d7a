// Sending the video link by mail. The mail transport comes in from outside
// (the server's delivery: SMTP, or the development outbox); this file only
// says what the replay module needs of it and words the message.

import type { MailMessage } from '../delivery/delivery.js';

export type { MailMessage };

/** What the replay module needs of a mail transport (the delivery's `MailTransport` is one). */
export interface Mailer {
  /** Resolves once the transport took the message; rejects (`ERR_DELIVERY_FAILED`) otherwise. */
  send(message: MailMessage): Promise<void>;
}

/** What a video mail says. */
export interface VideoMailContent {
  hostName: string;
  videoUrl: string;
  videoExpiresAt: number;
  subject: string;
  message: string;
}

/** Default subject when the host gave none. */
export function defaultSubject(hostName: string): string {
  return `${hostName || 'Someone'} sent you a video`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The message for one recipient: the video link comes first (before any link in the host's words), then their message. */
export function videoMail(to: string, c: VideoMailContent): MailMessage {
  const until = new Date(c.videoExpiresAt).toUTCString();
  const intro = `${c.hostName || 'Someone'} recorded a video for you.`;
  const text = [intro, `Watch it: ${c.videoUrl}`, '', ...(c.message ? [c.message, ''] : []), `The link works until ${until}.`].join('\n');
  const personal = c.message ? `<p style="white-space:pre-wrap">${escapeHtml(c.message)}</p>` : '';
  const html = `<p>${escapeHtml(intro)}</p><p><a href="${escapeHtml(c.videoUrl)}">Watch the video</a></p>${personal}`
    + `<p style="color:#64748b">The link works until ${escapeHtml(until)}.</p>`;
  return { to, subject: c.subject, text, html };
}

/** Sends the video mail to each recipient of `request`, one message each (recipients do not see each other). */
export async function sendVideoMail(mailer: Mailer, request: { to: readonly string[] }, content: VideoMailContent): Promise<void> {
  for (const to of request.to) await mailer.send(videoMail(to, content));
}
