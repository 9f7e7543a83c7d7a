// Sending the video link by mail. The mail transport comes in from outside
// (the server's shared delivery: SMTP, or the development outbox); this file
// only defines what the replay module needs of it and words the message.

/** One message to one recipient. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Delivers mail; rejects when the transport refused or failed. */
export interface Mailer {
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

/** The message for one recipient: the host's words first, then the link (the first link of the mail). */
export function videoMail(to: string, c: VideoMailContent): MailMessage {
  const until = new Date(c.videoExpiresAt).toUTCString();
  const intro = `${c.hostName || 'Someone'} recorded a video for you.`;
  const text = [c.message, c.message ? '' : null, intro, `Watch it: ${c.videoUrl}`, '', `The link works until ${until}.`]
    .filter((l) => l !== null).join('\n');
  const personal = c.message ? `<p style="white-space:pre-wrap">${escapeHtml(c.message)}</p>` : '';
  const html = `${personal}<p>${escapeHtml(intro)}</p><p><a href="${escapeHtml(c.videoUrl)}">Watch the video</a></p>`
    + `<p style="color:#64748b">The link works until ${escapeHtml(until)}.</p>`;
  return { to, subject: c.subject, text, html };
}

/**
 * Stand-in until the server's shared mail delivery is plugged in: writes each
 * message (recipient, subject, link) to the log instead of sending it.
 */
export class LogMailer implements Mailer {
  constructor(private readonly log: (line: string) => void) {}

  async send(message: MailMessage): Promise<void> {
    this.log(`mail (no transport configured) to ${message.to}: "${message.subject}"\n${message.text}`);
  }
}
