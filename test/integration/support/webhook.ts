// A local HTTP server standing in for an SMS gateway's webhook: records each
// request and answers with the status the test chooses.

import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the webhook received. */
export interface WebhookCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: unknown;
}

/** A running webhook. */
export interface TestWebhook {
  /** `http://127.0.0.1:<port>/sms` */
  url: string;
  calls: WebhookCall[];
  /** Status of the next answers (default 200). */
  status: number;
  close(): Promise<void>;
}

/** Starts a webhook on a random port. */
export async function startWebhook(status = 200): Promise<TestWebhook> {
  const calls: WebhookCall[] = [];
  const hook: TestWebhook = { url: '', calls, status, close: async () => {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let json: unknown;
      try {
        json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        json = undefined;
      }
      calls.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, json });
      res.writeHead(hook.status, { 'Content-Type': 'application/json' }).end('{"id":"msg-1"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  hook.url = `http://127.0.0.1:${port}/sms`;
  hook.close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return hook;
}

/** A TCP port on 127.0.0.1 with nothing listening on it (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
