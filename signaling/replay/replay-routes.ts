// The replay HTTP API: uploads while recording, finish, status, send,
// abandon (host token in `Authorization: Bearer …`), the video itself
// (`/replays/<videoToken>.mp4`), and the render page for the worker.

import {
  checkReplayEventsUpload, checkReplayFinishRequest, checkReplaySendRequest, CwmnError, ErrorCode, isToken,
  MAX_HTTP_BODY_BYTES, MAX_REPLAY_AUDIO_CHUNK_BYTES, MAX_REPLAY_EVENTS_BODY_BYTES, MAX_REPLAY_EVENTS_INFLATED_BYTES,
  parseReplayAudioQuery,
  type ReplayAbandonResponse, type ReplayEventsUpload, type ReplayFinishRequest, type ReplaySendRequest,
  type ReplaySendResponse, type ReplayUploadResponse,
} from '../../src/protocol/index.js';
import { sendJson, setCorsHeaders } from '../http/respond.js';
import type { RequestContext, Router } from '../http/router.js';
import { CORS_MAX_AGE_SECONDS, type OriginPolicy } from '../origins.js';
import { decodeBody, parseJson, readRawBody } from './raw-body.js';
import { addRenderPageRoute } from './render-page-route.js';
import type { ReplayService } from './replay-service.js';
import { sendVideo } from './video-response.js';


/** What the replay routes need. */
export interface ReplayRouteDeps {
  replays: ReplayService;
  origins: OriginPolicy;
  /** Folder of the built render page (`dist/replay-render`). */
  renderPageDir: string;
}

const ACTION = /^\/api\/replays\/([A-Za-z0-9_-]{1,64})\/(events|audio|finish|status|send|abandon)$/;

/** The host token of a request (`Authorization: Bearer <token>`), or null. */
export function bearerToken(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m && isToken(m[1]) ? m[1]! : null;
}

/** Adds the replay API, the video route and the render page to `router`. */
export function addReplayRoutes(router: Router, deps: ReplayRouteDeps): void {
  const { replays } = deps;
  const cors = ({ req, res }: RequestContext) => setCorsHeaders(req, res, deps.origins);
  const api = (method: 'GET' | 'POST', action: string, handle: (ctx: RequestContext, id: string, token: string | null) => Promise<void> | void) => {
    router.on(method, new RegExp(`^/api/replays/([A-Za-z0-9_-]{1,64})/${action}$`), async (ctx) => {
      cors(ctx);
      await handle(ctx, ctx.params[0]!, bearerToken(ctx.req.headers.authorization));
    });
  };

  router.on('OPTIONS', ACTION, (ctx) => {
    cors(ctx);
    ctx.res.writeHead(204, {
      'Access-Control-Allow-Methods': 'GET, POST',
      'Access-Control-Allow-Headers': 'Authorization, Content-Type, Content-Encoding',
      'Access-Control-Max-Age': String(CORS_MAX_AGE_SECONDS),
    });
    ctx.res.end();
  });

  api('POST', 'events', async ({ req, res }, id, token) => {
    await replays.authorize(id, token); // Refuse a stranger before reading megabytes.
    const raw = await readRawBody(req, MAX_REPLAY_EVENTS_BODY_BYTES);
    const body = parseJson(await decodeBody(raw, req.headers['content-encoding'], MAX_REPLAY_EVENTS_INFLATED_BYTES));
    const problem = checkReplayEventsUpload(body);
    if (problem) throw new CwmnError(ErrorCode.INVALID_PARAMS, problem);
    const stored = await replays.uploadEvents(id, token, body as ReplayEventsUpload);
    sendJson(res, 200, { stored } satisfies ReplayUploadResponse);
  });

  api('POST', 'audio', async ({ req, res, url }, id, token) => {
    await replays.authorize(id, token);
    const query = parseReplayAudioQuery(url.searchParams);
    if (typeof query === 'string') throw new CwmnError(ErrorCode.INVALID_PARAMS, query);
    const body = await readRawBody(req, MAX_REPLAY_AUDIO_CHUNK_BYTES);
    const stored = await replays.uploadAudio(id, token, query, body);
    sendJson(res, 200, { stored } satisfies ReplayUploadResponse);
  });

  api('POST', 'finish', async ({ req, res }, id, token) => {
    await replays.authorize(id, token);
    const body = parseJson(await readRawBody(req, MAX_HTTP_BODY_BYTES), true);
    const problem = checkReplayFinishRequest(body);
    if (problem) throw new CwmnError(ErrorCode.INVALID_PARAMS, problem);
    sendJson(res, 200, await replays.finish(id, token, (body as ReplayFinishRequest).endedAt ?? null));
  });

  api('GET', 'status', async ({ res }, id, token) => {
    sendJson(res, 200, await replays.status(id, token));
  });

  api('POST', 'send', async ({ req, res }, id, token) => {
    await replays.authorize(id, token);
    const body = parseJson(await readRawBody(req, MAX_HTTP_BODY_BYTES));
    const problem = checkReplaySendRequest(body);
    if (problem) throw new CwmnError(ErrorCode.INVALID_PARAMS, problem);
    const mail = await replays.send(id, token, body as ReplaySendRequest);
    sendJson(res, mail.state === 'pending' ? 202 : 200, { mail } satisfies ReplaySendResponse);
  });

  api('POST', 'abandon', async ({ req, res }, id, token) => {
    req.resume();
    await replays.abandon(id, token);
    sendJson(res, 200, { abandoned: true } satisfies ReplayAbandonResponse);
  });

  router.on('GET', /^\/replays\/([A-Za-z0-9_-]{16,64})\.mp4$/, async ({ req, res, params }) => {
    const file = await replays.videoFile(params[0]!);
    if (!file || !(await sendVideo(file, req.method, req.headers.range, res))) {
      throw new CwmnError(ErrorCode.NOT_FOUND, 'This video does not exist or has expired');
    }
  });

  addRenderPageRoute(router, deps.renderPageDir);
}
