// Mail over SMTP with nodemailer: one connection per message, short timeouts
// (nodemailer's own defaults are minutes), failures turned into readable errors.

import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { CwmnError, ErrorCode } from '../../src/protocol/index.js';
import type { LogFn } from '../config.js';
import { withoutContacts } from '../ops/log.js';
import type { MailMessage, MailTransport } from './delivery.js';

/** Time allowed to open the TCP (or TLS) connection to the SMTP server. */
export const SMTP_CONNECTION_TIMEOUT_MS = 10_000;
/** Time allowed for the SMTP server's greeting once connected. */
export const SMTP_GREETING_TIMEOUT_MS = 10_000;
/** Longest silence of the SMTP server during a session. */
export const SMTP_SOCKET_TIMEOUT_MS = 10_000;
/** Longest part of an SMTP server's answer quoted in an error message. */
const MAX_QUOTED_RESPONSE = 200;

/** Settings of the SMTP mailer. */
export interface SmtpMailerOptions {
  /** `smtp://user:pass@host:port` (STARTTLS when offered) or `smtps://…` (TLS from the start). */
  url: string;
  /** From header, e.g. `cwmn <no-reply@example.com>`. */
  from: string;
  log: LogFn;
}

/** Sends mail through one SMTP server. */
export class SmtpMailer implements MailTransport {
  readonly kind = 'smtp';
  private readonly transporter: Transporter<SMTPTransport.SentMessageInfo, SMTPTransport.Options>;
  private closed = false;

  constructor(private readonly options: SmtpMailerOptions) {
    this.transporter = nodemailer.createTransport({
      url: options.url,
      connectionTimeout: SMTP_CONNECTION_TIMEOUT_MS,
      greetingTimeout: SMTP_GREETING_TIMEOUT_MS,
      socketTimeout: SMTP_SOCKET_TIMEOUT_MS,
    });
  }

  async send(message: MailMessage): Promise<void> {
    let info: SMTPTransport.SentMessageInfo;
    try {
      info = await this.transporter.sendMail({
        from: this.options.from, to: message.to, subject: message.subject, text: message.text, html: message.html,
      });
    } catch (err) {
      this.options.log(`mail failed: ${withoutContacts((err as Error)?.message ?? String(err))}`, { level: 'warn' });
      throw new CwmnError(ErrorCode.DELIVERY_FAILED, describeSmtpError(err, message.to), { cause: err });
    }
    // One recipient per message: nodemailer rejects when it is refused, but stay strict.
    if (info.rejected.length > 0) {
      throw new CwmnError(ErrorCode.DELIVERY_FAILED, `The mail server refused the recipient ${message.to}`);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.transporter.close();
  }
}

/** A sentence for the host's code about why a mail was not sent (details go to the log). */
export function describeSmtpError(err: unknown, to: string): string {
  const e = (err ?? {}) as { code?: unknown; response?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const response = typeof e.response === 'string' ? e.response.trim().slice(0, MAX_QUOTED_RESPONSE) : '';
  switch (code) {
    case 'EENVELOPE':
    case 'EMESSAGE':
      return `The mail server refused the message to ${to}${response ? `: ${response}` : ''}`;
    case 'EAUTH':
      return 'The mail server refused the server\'s login';
    case 'ECONNECTION':
    case 'ETIMEDOUT':
    case 'ESOCKET':
    case 'EDNS':
    case 'ETLS':
    case 'EGREETING':
      return 'The mail server could not be reached';
    default:
      return `The mail could not be sent${code ? ` (${code})` : ''}`;
  }
}
