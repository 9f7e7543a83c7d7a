// A real SMTP server for tests (smtp-server): receives what the server sends,
// parses each message with mailparser, and can refuse recipients.

import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A received message: the envelope as the SMTP server saw it, and the parsed mail. */
export interface ReceivedMail {
  envelopeFrom: string;
  envelopeTo: string[];
  mail: ParsedMail;
}

/** A running test SMTP server. */
export interface TestSmtpServer {
  /** `smtp://127.0.0.1:<port>` */
  url: string;
  /** Messages received so far, in order. */
  received: ReceivedMail[];
  /** Recipients the server was asked to accept (refused ones included). */
  recipients: string[];
  /** User names that logged in. */
  logins: string[];
  close(): Promise<void>;
}

/** Options of `startSmtpServer`. */
export interface SmtpServerOptions {
  /** Recipients answered with this error (`550 …`). */
  refuse?: (address: string) => string | null;
  /** Accounts accepted by AUTH (offered without TLS, as tests have none); any login fails when absent. */
  users?: Record<string, string>;
}

/**
 * Starts an SMTP server on a random port. STARTTLS is off: smtp-server's
 * built-in certificate is expired, and nodemailer would upgrade to it.
 */
export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const recipients: string[] = [];
  const logins: string[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username !== undefined && options.users?.[auth.username] === auth.password) {
        logins.push(auth.username);
        callback(null, { user: auth.username });
      } else {
        callback(new Error('Invalid username or password'));
      }
    },
    onRcptTo(address, _session, callback) {
      recipients.push(address.address);
      const refusal = options.refuse?.(address.address) ?? null;
      if (refusal === null) {
        callback();
        return;
      }
      const err = new Error(refusal) as Error & { responseCode: number };
      err.responseCode = 550;
      callback(err);
    },
    onData(stream, session, callback) {
      // Parsed before the message is acknowledged: once the sender's call resolves, it is here.
      simpleParser(stream).then((mail) => {
        received.push({
          envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          envelopeTo: session.envelope.rcptTo.map((r) => r.address),
          mail,
        });
        callback();
      }, (err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    recipients,
    logins,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
