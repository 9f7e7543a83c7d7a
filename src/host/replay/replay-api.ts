// The host's calls to the replay HTTP API, authenticated with the host token.

import {
  CwmnError, ErrorCode, isReplayStatus, REPLAY_API_PREFIX, type ReplaySendRequest, type ReplayStatus,
} from '../../protocol/index.js';
import { fetchJson } from '../fetch-json.js';

export class ReplayApi {
  private readonly base: string;

  constructor(serverUrl: string, sessionId: string, private readonly hostToken: string) {
    this.base = `${serverUrl}${REPLAY_API_PREFIX}${encodeURIComponent(sessionId)}`;
  }

  /** Uploads one gzip-compressed events batch (see `gzipJson`). */
  uploadEvents(body: Blob): Promise<unknown> {
    return this.call('events', body, 'application/json', { 'content-encoding': 'gzip' });
  }

  uploadAudio(segment: number, chunk: number, startedAt: number, data: Blob): Promise<unknown> {
    return this.call(`audio?segment=${segment}&chunk=${chunk}&startedAt=${Math.round(startedAt)}`, data, 'audio/webm');
  }

  finish(endedAt: number): Promise<unknown> {
    return this.call('finish', JSON.stringify({ endedAt: Math.round(endedAt) }), 'application/json');
  }

  async status(): Promise<ReplayStatus> {
    const res = await this.call('status');
    if (!isReplayStatus(res)) throw new CwmnError(ErrorCode.PROTOCOL, 'Malformed replay status');
    return res;
  }

  send(request: ReplaySendRequest): Promise<unknown> {
    return this.call('send', JSON.stringify(request), 'application/json');
  }

  abandon(): Promise<unknown> {
    return this.call('abandon', '{}', 'application/json');
  }

  private call(path: string, body?: BodyInit, type?: string, headers: Record<string, string> = {}): Promise<unknown> {
    return fetchJson(`${this.base}/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${this.hostToken}`, ...(type ? { 'content-type': type } : {}), ...headers },
      body,
    });
  }
}

/** Serializes and gzips a JSON body (the server accepts `Content-Encoding: gzip`). */
export async function gzipJson(value: unknown): Promise<Blob> {
  const stream = new Blob([JSON.stringify(value)]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Response(stream).blob();
}
