// The development outbox: with no SMTP server or SMS webhook configured,
// messages are written as JSON files under `CWMN_DATA_DIR/outbox/` (one per
// message, atomically, before `send` resolves) and listed at `/outbox`.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { CwmnError, ErrorCode, isInteger, isRecord, isString } from '../../src/protocol/index.js';
import type { MailMessage, MailTransport, SmsMessage, SmsTransport } from './delivery.js';
import { extractLinks } from './html.js';

/** One message as stored in the outbox. */
export interface OutboxEntry {
  /** Random id; also in the file name. */
  id: string;
  channel: 'email' | 'sms';
  /** Recipient: an email address or an E.164 number. */
  to: string;
  /** Email subject; null for SMS. */
  subject: string | null;
  /** The text part of an email, or the SMS body. */
  text: string;
  /** The HTML part of an email; null for SMS. */
  html: string | null;
  /** The http(s) links of the text, in order. */
  links: string[];
  /** Epoch milliseconds. */
  createdAt: number;
}

/** What a transport hands the outbox. */
export type NewOutboxEntry = Omit<OutboxEntry, 'id' | 'links' | 'createdAt'>;

/** Message files, in a directory created on first write. */
export class Outbox {
  constructor(readonly dir: string, private readonly now: () => number = Date.now) {}

  /**
   * Stores a message and resolves once it is on disk: written to a hidden
   * temporary file, flushed, then renamed, so a reader never sees half of it.
   */
  async write(message: NewOutboxEntry): Promise<OutboxEntry> {
    const entry: OutboxEntry = {
      id: randomBytes(8).toString('hex'),
      ...message,
      links: extractLinks(message.text),
      createdAt: this.now(),
    };
    await fs.mkdir(this.dir, { recursive: true });
    const name = `${String(entry.createdAt).padStart(15, '0')}-${entry.id}.json`;
    await writeFileAtomic(path.join(this.dir, name), JSON.stringify(entry, null, 2));
    return entry;
  }

  /** Every stored message, newest first. Files that are not outbox entries are skipped. */
  async list(): Promise<OutboxEntry[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const files = names.filter((n) => n.endsWith('.json') && !n.startsWith('.'));
    const entries = await Promise.all(files.map(async (name) => {
      try {
        const value: unknown = JSON.parse(await fs.readFile(path.join(this.dir, name), 'utf8'));
        return isOutboxEntry(value) ? value : null;
      } catch {
        return null; // Removed meanwhile, or not ours.
      }
    }));
    return entries
      .filter((e): e is OutboxEntry => e !== null)
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  }
}

/** Checks an entry read back from disk. */
export function isOutboxEntry(v: unknown): v is OutboxEntry {
  return isRecord(v) && isString(v.id, 64) && (v.channel === 'email' || v.channel === 'sms')
    && typeof v.to === 'string' && (v.subject === null || typeof v.subject === 'string')
    && typeof v.text === 'string' && (v.html === null || typeof v.html === 'string')
    && Array.isArray(v.links) && v.links.every((l) => typeof l === 'string')
    && isInteger(v.createdAt, 0, Number.MAX_SAFE_INTEGER);
}

/** Mail into the outbox. */
export class OutboxMailer implements MailTransport {
  readonly kind = 'outbox';

  constructor(private readonly outbox: Outbox) {}

  async send(message: MailMessage): Promise<void> {
    await writeOrFail(this.outbox, { channel: 'email', to: message.to, subject: message.subject, text: message.text, html: message.html });
  }

  close(): void {}
}

/** SMS into the outbox. */
export class OutboxSms implements SmsTransport {
  readonly kind = 'outbox';

  constructor(private readonly outbox: Outbox) {}

  async send(message: SmsMessage): Promise<void> {
    await writeOrFail(this.outbox, { channel: 'sms', to: message.to, subject: null, text: message.body, html: null });
  }

  close(): void {}
}

async function writeOrFail(outbox: Outbox, entry: NewOutboxEntry): Promise<void> {
  try {
    await outbox.write(entry);
  } catch (err) {
    throw new CwmnError(ErrorCode.DELIVERY_FAILED, 'The message could not be written to the development outbox', { cause: err });
  }
}
