// The host's calls to the replay HTTP API, authenticated with the host token.

import {
  CwmnError, ErrorCode, fromWireError, isErrorCode, isRecord, isReplayStatus, REPLAY_API_PREFIX,
  type ReplaySendRequest, type ReplayStatus,
} from '../../protocol/index.js';
import { HTTP_TIMEOUT_MS } from '../server-api.js';

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

  private async call(path: string, body?: BodyInit, type?: string, headers: Record<string, string> = {}): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.base}/${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${this.hostToken}`, ...(type ? { 'content-type': type } : {}), ...headers },
        body,
        credentials: 'omit',
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
    } catch (err) {
      throw new CwmnError(ErrorCode.NETWORK, 'The cwmn server could not be reached', { cause: err });
    }
    const json: unknown = await res.json().catch(() => undefined);
    if (res.ok) return json;
    const error = isRecord(json) && isRecord(json.error) ? json.error : undefined;
    if (error && isErrorCode(error.code) && typeof error.message === 'string') throw fromWireError({ code: error.code, message: error.message });
    throw new CwmnError(ErrorCode.SERVER, `The cwmn server answered ${res.status}`);
  }
}

/** Serializes and gzips a JSON body (the server accepts `Content-Encoding: gzip`). */
export async function gzipJson(value: unknown): Promise<Blob> {
  const stream = new Blob([JSON.stringify(value)]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Response(stream).blob();
}
