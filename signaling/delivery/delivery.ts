// Outgoing messages: one small interface per channel, and the choice of
// transport from the configuration (SMTP / webhook, or the development outbox).

import type { LogFn } from '../config.js';
import { SmtpMailer } from './mailer.js';
import { Outbox, OutboxMailer, OutboxSms } from './outbox.js';
import { WebhookSms } from './sms.js';

/** One email to one recipient. */
export interface MailMessage {
  to: string;
  subject: string;
  /** Plain-text part: complete on its own (links written out). */
  text: string;
  /** HTML part. */
  html: string;
}

/** One text message. */
export interface SmsMessage {
  /** E.164 number, e.g. `+13145550000`. */
  to: string;
  body: string;
}

/** Sends mail. `send` resolves once the transport accepted the message, and rejects with `ERR_DELIVERY_FAILED` otherwise. */
export interface MailTransport {
  /** For logs: `smtp` or `outbox`. */
  readonly kind: 'smtp' | 'outbox';
  send(message: MailMessage): Promise<void>;
  /** Releases connections. Idempotent. */
  close(): void;
}

/** Sends text messages; same contract as `MailTransport`. */
export interface SmsTransport {
  /** For logs: `webhook` or `outbox`. */
  readonly kind: 'webhook' | 'outbox';
  send(message: SmsMessage): Promise<void>;
  close(): void;
}

/** The transports of a running server. */
export interface Delivery {
  mail: MailTransport;
  sms: SmsTransport;
  /** The development outbox, when either channel uses it (served at `/outbox`); else null. */
  outbox: Outbox | null;
  /** Closes both transports. Idempotent. */
  close(): void;
}

/** What `createDelivery` needs. */
export interface DeliveryOptions {
  /** null: mail goes to the outbox. */
  smtpUrl: string | null;
  mailFrom: string;
  /** null: SMS go to the outbox. */
  smsWebhookUrl: string | null;
  /** Directory of the outbox (`CWMN_DATA_DIR/outbox`). */
  outboxDir: string;
  log: LogFn;
}

/** Picks a transport per channel: the configured one, or the development outbox. */
export function createDelivery(options: DeliveryOptions): Delivery {
  const { log } = options;
  const needsOutbox = options.smtpUrl === null || options.smsWebhookUrl === null;
  const outbox = needsOutbox ? new Outbox(options.outboxDir) : null;
  const mail: MailTransport = options.smtpUrl === null
    ? new OutboxMailer(outbox as Outbox)
    : new SmtpMailer({ url: options.smtpUrl, from: options.mailFrom, log });
  const sms: SmsTransport = options.smsWebhookUrl === null
    ? new OutboxSms(outbox as Outbox)
    : new WebhookSms({ url: options.smsWebhookUrl, log });
  return {
    mail,
    sms,
    outbox,
    close() {
      mail.close();
      sms.close();
    },
  };
}
