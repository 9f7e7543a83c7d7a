// Text messages through a webhook: a JSON POST `{to, body}` to the configured
// URL, which an SMS gateway (or a small adapter in front of one) turns into an SMS.

import { CwmnError, ErrorCode } from '../../src/protocol/index.js';
import type { LogFn } from '../config.js';
import { withoutContacts } from '../ops/log.js';
import type { SmsMessage, SmsTransport } from './delivery.js';

/** Time allowed for the whole webhook call (connect, answer, body). */
export const SMS_WEBHOOK_TIMEOUT_MS = 10_000;

/** Settings of the webhook transport. */
export interface WebhookSmsOptions {
  /** http(s) URL; credentials in it (`https://user:pass@…`) are sent as HTTP Basic authentication. */
  url: string;
  log: LogFn;
}

/** Sends each SMS as one webhook call; any answer but 2xx is a failure. */
export class WebhookSms implements SmsTransport {
  readonly kind = 'webhook';
  private readonly endpoint: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: WebhookSmsOptions) {
    // fetch() refuses URLs with credentials: move them to a header.
    const url = new URL(options.url);
    this.headers = { 'Content-Type': 'application/json' };
    if (url.username || url.password) {
      const user = decodeURIComponent(url.username);
      const pass = decodeURIComponent(url.password);
      this.headers.Authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    this.endpoint = url.toString();
  }

  async send(message: SmsMessage): Promise<void> {
    let status: number;
    try {
      const res = await fetch(this.endpoint, {
        method: 'POST',
        headers: this.headers,
        body: JSON.stringify({ to: message.to, body: message.body }),
        signal: AbortSignal.timeout(SMS_WEBHOOK_TIMEOUT_MS),
        redirect: 'error',
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined); // Frees the connection; the body means nothing to us.
    } catch (err) {
      const reason = (err as Error)?.name === 'TimeoutError' ? 'did not answer in time' : 'could not be reached';
      this.options.log(`sms failed: ${withoutContacts((err as Error)?.message ?? String(err))}`, { level: 'warn' });
      throw new CwmnError(ErrorCode.DELIVERY_FAILED, `The SMS gateway ${reason}`, { cause: err });
    }
    if (status < 200 || status > 299) {
      this.options.log(`sms failed: webhook answered ${status}`, { level: 'warn' });
      throw new CwmnError(ErrorCode.DELIVERY_FAILED, `The SMS gateway refused the message (HTTP ${status})`);
    }
  }

  close(): void {
    // Nothing held between calls.
  }
}
