// The JSON API: health, domain information and session creation.

import {
  checkStartParams, cleanName, CwmnError, ErrorCode, MAX_HTTP_BODY_BYTES,
  type CreateSessionRequest, type CreateSessionResponse, type DomainInfo,
} from '../../src/protocol/index.js';
import { FEATURE_DISABLED_STATUS, FeatureDisabledError, type DomainSettings } from '../domain-settings.js';
import { normalizeOrigin, type OriginPolicy } from '../origins.js';
import type { HandoffService } from '../handoffs.js';
import type { RateLimiter } from '../rate-limit.js';
import type { ReplayService } from '../replay/replay-service.js';
import type { SessionService } from '../sessions.js';
import { readJsonBody } from './body.js';
import { sendError, sendJson, setCorsHeaders } from './respond.js';
import type { RequestContext, Router } from './router.js';

/** Host name used when `session.start` is given an empty one. */
export const DEFAULT_HOST_NAME = 'Host';

/** What the API routes need. */
export interface ApiDeps {
  sessions: SessionService;
  origins: OriginPolicy;
  /** Features, mask rules and limits per origin. */
  domains: DomainSettings;
  /** Limits session creation per client address. */
  createLimiter: RateLimiter;
  /** The server's own origin: whom a same-origin `GET /api/domain` (sent without `Origin`) asks about. */
  ownOrigin: string;
  /** Replay sessions (absent: `isReplay: true` is refused with `ERR_NOT_SUPPORTED`). */
  replays?: { service: ReplayService; maxSeconds: number };
  /** A realtime session was created: its page is expected on the socket within the host grace. */
  awaitHost: (sessionId: string) => void;
  /** Handoff tokens for sessions of sites with several origins. */
  handoffs: HandoffService;
}

/** Adds `/healthz`, `/api/domain` and `/api/sessions` to `router`. */
export function addApiRoutes(router: Router, deps: ApiDeps): void {
  router.on('GET', '/healthz', async ({ res }) => {
    sendJson(res, 200, { ok: true, sessions: await deps.sessions.activeCount() });
  });
  router.on('GET', '/api/domain', (ctx) => domainInfo(ctx, deps));
  router.on('OPTIONS', '/api/sessions', (ctx) => answerPreflight(ctx, deps.origins));
  router.on('POST', '/api/sessions', (ctx) => createSession(ctx, deps));
}

function domainInfo({ req, res, url }: RequestContext, deps: ApiDeps): void {
  // Every origin may ask, so an embed on an unlisted site can tell "unauthorized" from "server down".
  res.setHeader('Access-Control-Allow-Origin', '*');
  // Browsers send no Origin on a same-origin GET: then the query, the Referer, or the server itself.
  const origin = req.headers.origin ?? url.searchParams.get('origin') ?? refererOrigin(req.headers.referer) ?? deps.ownOrigin;
  const normalized = normalizeOrigin(origin);
  if (!normalized && origin !== 'null') throw new CwmnError(ErrorCode.INVALID_PARAMS, `Not an origin: ${origin}`);
  const rules = deps.domains.rulesFor(normalized);
  const body: DomainInfo = {
    domain: normalized ? new URL(normalized).hostname : '',
    authorized: deps.origins.isAllowed(origin),
    features: { realtime: rules.features.realtime, replay: rules.features.replay && deps.replays !== undefined },
    settings: {
      sessionMaxSeconds: rules.sessionMaxSeconds,
      maskSelectors: rules.maskSelectors,
      blockSelectors: rules.blockSelectors,
      maxGuests: rules.maxGuests,
      siteOrigins: rules.siteOrigins,
    },
  };
  sendJson(res, 200, body);
}

function refererOrigin(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

async function createSession({ req, res }: RequestContext, deps: ApiDeps): Promise<void> {
  const origin = req.headers.origin;
  setCorsHeaders(req, res, deps.origins);
  if (!(await deps.createLimiter.take(req.socket.remoteAddress ?? ''))) {
    throw new CwmnError(ErrorCode.RATE_LIMITED, 'Too many sessions created from this address; try again in a minute');
  }
  if (!deps.origins.isAllowed(origin)) {
    throw new CwmnError(ErrorCode.UNAUTHORIZED, 'This origin may not host sessions on this server');
  }
  const body = await readJsonBody(req, MAX_HTTP_BODY_BYTES);
  const problem = checkStartParams(body);
  if (problem) throw new CwmnError(ErrorCode.INVALID_PARAMS, problem);
  const params = body as Partial<CreateSessionRequest> & { hostName: string };
  const replays = params.isReplay === true ? deps.replays : undefined;
  if (params.isReplay && !replays) throw new CwmnError(ErrorCode.NOT_SUPPORTED, 'Replay sessions are not available on this server');
  const kind = replays ? 'replay' : 'realtime';
  const rules = deps.domains.rulesFor(origin);
  if (!rules.features[kind]) {
    const refusal = new FeatureDisabledError(kind);
    sendError(res, { code: refusal.code, message: refusal.message }, FEATURE_DISABLED_STATUS);
    return;
  }
  const { session, hostToken } = await deps.sessions.create({
    hostName: cleanName(params.hostName) || DEFAULT_HOST_NAME,
    hostEmail: params.hostEmail ?? '',
    isReplay: replays !== undefined,
    origin: origin ?? '',
    // A replay's length is the server's replay limit; a realtime session's, its domain's.
    maxSeconds: replays ? replays.maxSeconds : rules.sessionMaxSeconds,
  });
  if (replays) {
    await replays.service.open({
      id: session.id, hostTokenHash: session.hostTokenHash, hostName: session.hostName,
      startedAt: session.startedAt, expiresAt: session.expiresAt,
    });
  } else {
    deps.awaitHost(session.id);
  }
  const handoffToken = await deps.handoffs.offer(session, hostToken);
  const answer: CreateSessionResponse = { session: await deps.sessions.info(session), hostToken, ...(handoffToken ? { handoffToken } : {}) };
  sendJson(res, 201, answer);
}

/** Answers a CORS preflight: allowed origins get the headers, others `ERR_UNAUTHORIZED`. */
export function answerPreflight({ req, res }: RequestContext, origins: OriginPolicy): void {
  const origin = req.headers.origin;
  if (origin && origins.isAllowed(origin)) {
    res.writeHead(204, origins.preflightHeaders(origin));
    res.end();
  } else {
    sendError(res, { code: ErrorCode.UNAUTHORIZED, message: 'This origin may not host sessions on this server' });
  }
}
