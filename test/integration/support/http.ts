// HTTP helpers for tests (Node's fetch lets tests set the Origin header).

import type { CreateSessionResponse } from '../../../src/protocol/index.js';
import type { Endpoint } from './server.js';

/** A fetched response with its parsed JSON body (undefined when not JSON). */
export interface JsonResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** Fetches `path` on `server` and parses the JSON body. */
export async function request(server: Endpoint, path: string, init: RequestInit = {}): Promise<JsonResponse> {
  const res = await fetch(server.httpUrl + path, { redirect: 'manual', ...init });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body };
}

/** POSTs JSON to `path` with the given Origin. */
export function postJson(server: Endpoint, path: string, body: unknown, origin: string | null = server.origin): Promise<JsonResponse> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (origin !== null) headers.Origin = origin;
  return request(server, path, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

/** Creates a session over HTTP and returns the response body (fails the test otherwise). */
export async function createSession(server: Endpoint, hostName = 'Ada', origin: string = server.origin): Promise<CreateSessionResponse> {
  const res = await postJson(server, '/api/sessions', { hostName, hostEmail: 'ada@example.com', isReplay: false }, origin);
  if (res.status !== 201) throw new Error(`POST /api/sessions answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as CreateSessionResponse;
}
