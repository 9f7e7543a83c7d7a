// The server's log: one JSON line per event on standard output (pino), with
// the ids of the session and guest it concerns as fields of their own. A line
// never carries a token, a link secret, a name, an email address, a phone
// number or page data: callers pass ids only, and messages say what happened.

import { pino } from 'pino';

/** Fields of a log line besides its message. */
export interface LogFields {
  sessionId?: string;
  guestId?: string;
  /** `info` unless said otherwise. */
  level?: 'info' | 'warn' | 'error';
}

/** Where the server's modules write what happened. */
export type LogFn = (message: string, fields?: LogFields) => void;

/** A log that writes JSON lines to `destination` (standard output by default). */
export function jsonLog(destination: NodeJS.WritableStream | number = 1): LogFn {
  const logger = pino(
    { base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
    typeof destination === 'number' ? pino.destination({ fd: destination, sync: false }) : destination,
  );
  return (message, fields = {}) => {
    const { level = 'info', ...ids } = fields;
    logger[level](ids, message);
  };
}

/** `text` with email addresses and international phone numbers replaced (an SMTP server's refusal may quote its recipient). */
export function withoutContacts(text: string): string {
  return text
    .replace(/[^\s<>"'@]+@[^\s<>"'@]+/g, '<address>')
    .replace(/\+\d[\d\s().-]{5,}\d/g, '<number>');
}

/** A request path with its token-like segments (invite, video and handoff tokens) replaced, and no query. */
export function withoutTokens(pathname: string): string {
  return pathname.replace(/[A-Za-z0-9_-]{16,}/g, ':token');
}
