// Invitations to host over HTTP: making one (`POST /api/ith`), the host link
// (`GET /h/<token>`: a redirect that spends nothing), claiming it from the
// landing page (`POST /api/ith/claim`), and the join page where a code is
// typed (`/join`, `POST /api/join`), which also works without script.

import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  checkInviteToHostParams, CwmnError, ErrorCode, isRecord, MAX_HTTP_BODY_BYTES, normalizeJoinCode,
  type JoinCodeResponse,
} from '../../src/protocol/index.js';
import { FEATURE_DISABLED_STATUS, FeatureDisabledError } from '../domain-settings.js';
import { HOST_LINK_PATH_PREFIX, JOIN_PAGE_PATH, JoinCodeInUseError, type HostInviteService } from '../host-invites.js';
import { INVITE_LIMIT } from '../invites.js';
import { WRONG_CODE_LIMIT } from '../join-codes.js';
import type { OriginPolicy } from '../origins.js';
import { CREATE_SESSION_LIMIT, type RateLimiter, type RateLimiterFactory } from '../rate-limit.js';
import { answerPreflight } from './api-routes.js';
import { readFormBody, readJsonBody } from './body.js';
import { PAGE_CSP, renderHostLinkNotice, renderJoinPage } from './join-page.js';
import { JOIN_SCRIPT, JOIN_SCRIPT_FILE, PAGE_CSS, PAGE_CSS_FILE } from './page-assets.js';
import { sendError, sendHtml, sendJson, sendRedirect, setCorsHeaders, statusForCode } from './respond.js';
import type { RequestContext, Router } from './router.js';

/** What the invite-to-host routes need. */
export interface IthRouteDeps {
  hostInvites: HostInviteService;
  origins: OriginPolicy;
  /** Makes the routes' limiters per client address. */
  limiters: RateLimiterFactory;
}

/** Rate-limit state of the routes; `sweep` forgets idle clients (at most `max` entries of each limiter looked at). */
export interface IthRoutes {
  sweep(max?: number): void;
}

/** Adds `/api/ith`, `/api/ith/claim`, `/h/<token>`, `/join`, `/api/join` and the pages' assets to `router`. */
export function addIthRoutes(router: Router, deps: IthRouteDeps): IthRoutes {
  const limits = {
    /** Each invitation makes a session: as many as session creations. */
    create: deps.limiters('ith-create', CREATE_SESSION_LIMIT, 'fail'),
    /** Mailed invitations per address, as guest invites per session: the server must not become a spam relay. */
    mail: deps.limiters('ith-mail', INVITE_LIMIT, 'fail'),
    /** Guessing is refused, not let through, while a shared limiter cannot be reached. */
    wrongCodes: deps.limiters('wrong-code', WRONG_CODE_LIMIT, 'fail'),
  };
  const preflight = (ctx: RequestContext) => answerPreflight(ctx, deps.origins);

  router.on('OPTIONS', '/api/ith', preflight);
  router.on('POST', '/api/ith', async ({ req, res }) => {
    allowOrigin(req, res, deps.origins);
    if (!(await limits.create.take(clientKey(req)))) {
      throw new CwmnError(ErrorCode.RATE_LIMITED, 'Too many invitations made from this address; try again in a minute');
    }
    const params = checkInviteToHostParams(await readJsonBody(req, MAX_HTTP_BODY_BYTES));
    if (typeof params === 'string') throw new CwmnError(ErrorCode.INVALID_PARAMS, params);
    if (params.inviteEmail && !(await limits.mail.take(clientKey(req)))) {
      throw new CwmnError(ErrorCode.RATE_LIMITED, 'Too many invitations mailed from this address; try again later');
    }
    try {
      sendJson(res, 201, await deps.hostInvites.create(params, req.headers.origin));
    } catch (err) {
      if (err instanceof JoinCodeInUseError) sendError(res, { code: err.code, message: err.message }, 409);
      else if (err instanceof FeatureDisabledError) sendError(res, { code: err.code, message: err.message }, FEATURE_DISABLED_STATUS);
      else throw err;
    }
  });

  router.on('OPTIONS', '/api/ith/claim', preflight);
  router.on('POST', '/api/ith/claim', async ({ req, res }) => {
    allowOrigin(req, res, deps.origins);
    const body = await readJsonBody(req, MAX_HTTP_BODY_BYTES);
    if (!isRecord(body) || typeof body.token !== 'string') throw new CwmnError(ErrorCode.INVALID_PARAMS, 'token must be a string');
    sendJson(res, 201, await deps.hostInvites.claim(body.token));
  });

  // A plain GET never spends the invitation (mail scanners prefetch links): the landing page's embed claims it.
  router.on('GET', new RegExp(`^${HOST_LINK_PATH_PREFIX}([^/]+)$`), async ({ res, params }) => {
    const landing = await deps.hostInvites.landing(params[0] ?? '');
    if (landing.ok) sendRedirect(res, 302, landing.redirect, { 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' });
    else sendHtml(res, statusForCode(landing.error.code), renderHostLinkNotice(landing.error, '../'), PAGE_CSP);
  });

  const redeem = (req: IncomingMessage, typed: unknown) => redeemJoinCode(deps.hostInvites, limits.wrongCodes, clientKey(req), typed);
  router.on('GET', JOIN_PAGE_PATH, ({ res, url }) => {
    sendHtml(res, 200, renderJoinPage({ code: (url.searchParams.get('code') ?? '').slice(0, 24), error: '', root: '' }), PAGE_CSP);
  });
  router.on('POST', JOIN_PAGE_PATH, async ({ req, res }) => {
    const typed = (await readFormBody(req, MAX_HTTP_BODY_BYTES)).get('code') ?? '';
    try {
      sendRedirect(res, 303, await redeem(req, typed), { 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' });
    } catch (err) {
      if (!(err instanceof CwmnError)) throw err;
      sendHtml(res, statusForCode(err.code), renderJoinPage({ code: typed.slice(0, 24), error: err.message, root: '' }), PAGE_CSP);
    }
  });
  router.on('POST', '/api/join', async ({ req, res }) => {
    const body = await readJsonBody(req, MAX_HTTP_BODY_BYTES);
    const answer: JoinCodeResponse = { redirect: await redeem(req, isRecord(body) ? body.code : undefined) };
    sendJson(res, 200, answer);
  });

  router.on('GET', `/${PAGE_CSS_FILE}`, ({ res }) => sendAsset(res, 'text/css; charset=utf-8', PAGE_CSS));
  router.on('GET', `/${JOIN_SCRIPT_FILE}`, ({ res }) => sendAsset(res, 'text/javascript; charset=utf-8', JOIN_SCRIPT));

  return {
    sweep(max) {
      for (const limiter of Object.values(limits)) limiter.sweep(max);
    },
  };
}

/**
 * Checks a typed join code and exchanges it for where to go. Wrong codes (no
 * invite has them) count against the address; past the limit every attempt is
 * refused with `ERR_RATE_LIMITED` until the address may try again. Malformed
 * codes cannot match anything and are not counted.
 */
async function redeemJoinCode(hostInvites: HostInviteService, wrongCodes: RateLimiter, key: string, typed: unknown): Promise<string> {
  const waitMs = await wrongCodes.msUntilToken(key);
  if (waitMs > 0) {
    const minutes = Math.max(1, Math.ceil(waitMs / 60_000));
    throw new CwmnError(ErrorCode.RATE_LIMITED, `Too many attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`);
  }
  if (typeof typed !== 'string' || typed.trim() === '') throw new CwmnError(ErrorCode.INVALID_PARAMS, 'Type the code you were given.');
  const code = normalizeJoinCode(typed);
  if (!code) {
    throw new CwmnError(ErrorCode.INVALID_PARAMS,
      'A code has 6 to 12 letters and digits, and never 0, O, 1, I or L. Check it and try again.');
  }
  try {
    return await hostInvites.redeemJoinCode(code);
  } catch (err) {
    if (err instanceof CwmnError && err.code === ErrorCode.LINK_INVALID) await wrongCodes.take(key);
    throw err;
  }
}

/** CORS headers for an allowed origin; throws `ERR_UNAUTHORIZED` for another. */
function allowOrigin(req: IncomingMessage, res: ServerResponse, origins: OriginPolicy): void {
  setCorsHeaders(req, res, origins);
  if (!origins.isAllowed(req.headers.origin)) throw new CwmnError(ErrorCode.UNAUTHORIZED, 'This origin may not host sessions on this server');
}

function clientKey(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? '';
}

function sendAsset(res: ServerResponse, contentType: string, text: string): void {
  res.writeHead(200, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'public, max-age=300',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(text);
}
