// A tiny HTTP router: exact or pattern paths per method, JSON 404/405, and
// every handler failure turned into a JSON error (never a crash).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { CwmnError, ErrorCode } from '../../src/protocol/index.js';
import type { LogFn } from '../config.js';
import { withoutTokens } from '../ops/log.js';
import { requestUrl } from './request-url.js';
import { sendError, statusForCode } from './respond.js';

/** What a handler gets for one request. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** The parsed request URL (host is a placeholder; use only path and query). */
  url: URL;
  /** Capture groups of a pattern route, still percent-encoded. */
  params: string[];
}

/** Handles one request; may throw a `CwmnError` to answer with a JSON error. */
export type Handler = (ctx: RequestContext) => void | Promise<void>;

/** Methods the router dispatches; HEAD is answered by GET routes. */
export type Method = 'GET' | 'POST' | 'OPTIONS';

interface Route {
  method: Method;
  path: string | RegExp;
  handler: Handler;
}

/** Routes requests to handlers. */
export class Router {
  private readonly routes: Route[] = [];

  constructor(private readonly log: LogFn) {}

  /** Adds a route: `path` is an exact path or a pattern whose groups become `params`. */
  on(method: Method, path: string | RegExp, handler: Handler): this {
    this.routes.push({ method, path, handler });
    return this;
  }

  /** Answers one request. Never rejects. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = requestUrl(req);
      if (!url) {
        sendError(res, { code: ErrorCode.INVALID_PARAMS, message: 'The request target is not a URL' }, 400);
        return;
      }
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      const matching = this.routes
        .map((route) => ({ route, params: match(route.path, url.pathname) }))
        .filter((m): m is { route: Route; params: string[] } => m.params !== null);
      const found = matching.find((m) => m.route.method === method);
      if (found) {
        await found.route.handler({ req, res, url, params: found.params });
      } else if (matching.length > 0) {
        const allow = [...new Set(matching.map((m) => m.route.method))].join(', ');
        sendError(res, { code: ErrorCode.NOT_SUPPORTED, message: `Method ${req.method} not allowed` }, 405, { Allow: allow });
      } else {
        sendError(res, { code: ErrorCode.NOT_FOUND, message: `No such path: ${url.pathname}` });
      }
    } catch (err) {
      this.fail(req, res, err);
    }
  }

  private fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    const known = err instanceof CwmnError;
    const error = known ? { code: err.code, message: err.message } : { code: ErrorCode.SERVER, message: 'Internal error' };
    const status = statusForCode(error.code);
    if (!known || status >= 500) {
      const where = withoutTokens(requestUrl(req)?.pathname ?? '?');
      this.log(`http ${req.method} ${where} failed: ${(err as Error)?.stack ?? String(err)}`, { level: 'error' });
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // A request whose body was refused part-way is not worth keeping the connection for.
    const headers = error.code === ErrorCode.TOO_LARGE ? { Connection: 'close' } : {};
    sendError(res, error, status, headers);
  }
}

function match(path: string | RegExp, pathname: string): string[] | null {
  if (typeof path === 'string') return path === pathname ? [] : null;
  const m = path.exec(pathname);
  return m ? m.slice(1).map((g) => g ?? '') : null;
}
