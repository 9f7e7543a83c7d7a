// Serializes and compresses each message once, then hands the same bytes to
// every recipient, preserving the order in which messages were submitted even
// though encoding is asynchronous.

import { encodePayload, type Payload } from '../protocol/index.js';

export interface PayloadSink {
  sendPayload(payload: Payload): void;
}

export class Broadcaster {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly onError: (err: unknown) => void = () => {}) {}

  /** Encodes `message` once and delivers it to `recipients` after every earlier message. */
  send(message: unknown, recipients: readonly PayloadSink[]): void {
    if (recipients.length === 0) return;
    const encoded = encodePayload(message);
    this.chain = this.chain
      .then(() => encoded)
      .then((payload) => {
        for (const r of recipients) r.sendPayload(payload);
      })
      .catch(this.onError);
  }

  /** Resolves once every submitted message has been handed to its recipients. */
  idle(): Promise<void> {
    return this.chain;
  }
}
