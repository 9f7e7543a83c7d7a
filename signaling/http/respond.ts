// Writing HTTP answers: JSON bodies, JSON errors with the right status, text.

import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { ErrorCode, type WireError } from '../../src/protocol/index.js';

/** HTTP status of each error code an HTTP handler may throw (500 for any other). */
const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.INVALID_PARAMS]: 400,
  [ErrorCode.INVALID_STATE]: 409,
  [ErrorCode.PROTOCOL]: 400,
  [ErrorCode.UNAUTHORIZED]: 403,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.SESSION_ENDED]: 410,
  [ErrorCode.LINK_INVALID]: 404,
  [ErrorCode.LINK_USED]: 410,
  [ErrorCode.LINK_EXPIRED]: 410,
  [ErrorCode.LINK_REVOKED]: 410,
  [ErrorCode.DELIVERY_FAILED]: 502,
  [ErrorCode.TOO_LARGE]: 413,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.NOT_SUPPORTED]: 501,
  [ErrorCode.SESSION_FULL]: 409,
};

/** The HTTP status that goes with an error code. */
export function statusForCode(code: ErrorCode): number {
  return STATUS_BY_CODE[code] ?? 500;
}

/** Sends `body` as JSON. Headers set earlier with `res.setHeader` (e.g. CORS) are kept. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

/** Sends `{ error: { code, message } }` with the status of `code` (or `status` when given). */
export function sendError(res: ServerResponse, error: WireError, status = statusForCode(error.code), headers: OutgoingHttpHeaders = {}): void {
  sendJson(res, status, { error: { code: error.code, message: error.message } }, headers);
}

/** Sends plain text. */
export function sendText(res: ServerResponse, status: number, text: string, headers: OutgoingHttpHeaders = {}): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Sends a redirect to `location`. */
export function sendRedirect(res: ServerResponse, status: 301 | 302 | 303, location: string, headers: OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { Location: location, 'Content-Length': 0, ...headers });
  res.end();
}

/** Sends a server-rendered HTML page, never cached, never framed, under `csp`. */
export function sendHtml(res: ServerResponse, status: number, html: string, csp: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Content-Security-Policy': csp,
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
  });
  res.end(html);
}
