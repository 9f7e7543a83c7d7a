// Writing HTTP answers: JSON bodies, JSON errors with the right status, text.

import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { OriginPolicy } from '../origins.js';
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

/** Sets on `res` the CORS headers `origins` gives the request's origin (kept by the answer sent later). */
export function setCorsHeaders(req: IncomingMessage, res: ServerResponse, origins: OriginPolicy): void {
  for (const [name, value] of Object.entries(origins.corsHeaders(req.headers.origin))) res.setHeader(name, value as string);
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

/**
 * The raw bytes of a JSON error for a request Node's HTTP parser refused (no `ServerResponse`
 * exists for it): 431 for oversized headers, 408 for a request that timed out, 400 otherwise.
 */
export function parserErrorResponse(parserCode: string | undefined): string {
  const [status, reason, message] = parserCode === 'HPE_HEADER_OVERFLOW'
    ? [431, 'Request Header Fields Too Large', 'The request headers are too large']
    : parserCode === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'The request took too long to arrive']
      : [400, 'Bad Request', 'The request is not valid HTTP'];
  const code = status === 431 ? ErrorCode.TOO_LARGE : ErrorCode.INVALID_PARAMS;
  const body = JSON.stringify({ error: { code, message } });
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n`
    + `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`;
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
