// The handoff API (see handoffs.ts): a host's page asks for the token it leaves
// to the next page of its site; a page of another origin of the site trades it.

import {
  CwmnError, ErrorCode, isRecord, isToken, MAX_HTTP_BODY_BYTES,
  type HandoffIssueResponse, type HandoffRedeemResponse,
} from '../../src/protocol/index.js';
import type { HandoffService } from '../handoffs.js';
import type { OriginPolicy } from '../origins.js';
import type { SessionService } from '../sessions.js';
import { answerPreflight } from './api-routes.js';
import { readJsonBody } from './body.js';
import { sendJson, setCorsHeaders } from './respond.js';
import type { RequestContext, Router } from './router.js';

/** What the handoff routes need. */
export interface HandoffRouteDeps {
  handoffs: HandoffService;
  sessions: SessionService;
  origins: OriginPolicy;
}

const ISSUE = /^\/api\/sessions\/([A-Za-z0-9_-]{1,64})\/handoff$/;
const REDEEM = '/api/handoff';

/** Adds `POST /api/sessions/<id>/handoff` (body `{hostToken}`) and `POST /api/handoff` (body `{token}`). */
export function addHandoffRoutes(router: Router, deps: HandoffRouteDeps): void {
  const preflight = (ctx: RequestContext) => answerPreflight(ctx, deps.origins);
  router.on('OPTIONS', ISSUE, preflight);
  router.on('OPTIONS', REDEEM, preflight);

  router.on('POST', ISSUE, async (ctx) => {
    const hostToken = await tokenField(ctx, deps.origins, 'hostToken');
    const answer: HandoffIssueResponse = { token: await deps.handoffs.issue(ctx.params[0]!, hostToken) };
    sendJson(ctx.res, 200, answer);
  });

  router.on('POST', REDEEM, async (ctx) => {
    const token = await tokenField(ctx, deps.origins, 'token');
    const { session, hostToken } = await deps.handoffs.redeem(token, ctx.req.headers.origin);
    // The page that traded the token gets the one it leaves for the next page.
    const answer: HandoffRedeemResponse = {
      session: await deps.sessions.info(session), hostToken, handoffToken: await deps.handoffs.issue(session.id, hostToken),
    };
    sendJson(ctx.res, 200, answer);
  });
}

/** Sets the CORS headers, then reads the JSON body's token field `name`; throws `ERR_INVALID_PARAMS` without one. */
async function tokenField({ req, res }: RequestContext, origins: OriginPolicy, name: string): Promise<string> {
  setCorsHeaders(req, res, origins);
  const body = await readJsonBody(req, MAX_HTTP_BODY_BYTES);
  const value = isRecord(body) ? body[name] : undefined;
  if (!isToken(value)) throw new CwmnError(ErrorCode.INVALID_PARAMS, `The body must be {"${name}": "<token>"}`);
  return value;
}
