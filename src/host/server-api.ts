// The host's HTTP calls to the server: domain information and session creation.

import {
  CwmnError, ErrorCode, fromWireError, isDomainInfo, isErrorCode, isInviteToHostResult, isRecord,
  type CreateSessionRequest, type CreateSessionResponse, type DomainInfo, type InviteToHostRequest, type InviteToHostResult,
} from '../protocol/index.js';

/** Requests to the server give up after this long. */
export const HTTP_TIMEOUT_MS = 10_000;

export class ServerApi {
  constructor(private readonly baseUrl: string) {}

  /** What the server says about this page's domain. */
  async domainInfo(): Promise<DomainInfo> {
    const info = await this.request('GET', '/api/domain');
    if (!isDomainInfo(info)) throw new CwmnError(ErrorCode.PROTOCOL, 'Malformed domain information');
    return info;
  }

  async createSession(body: CreateSessionRequest): Promise<CreateSessionResponse> {
    return checkSessionResponse(await this.request('POST', '/api/sessions', body));
  }

  /** Claims a hosting invite with the token from the landing page's URL fragment. */
  async claimHostInvite(token: string): Promise<CreateSessionResponse> {
    return checkSessionResponse(await this.request('POST', '/api/ith/claim', { token }));
  }

  async inviteToHost(body: InviteToHostRequest): Promise<InviteToHostResult> {
    const res = await this.request('POST', '/api/ith', body);
    if (!isInviteToHostResult(res)) throw new CwmnError(ErrorCode.PROTOCOL, 'Malformed invite-to-host response');
    return res;
  }

  /** The WebSocket URL of the signaling service. */
  get socketUrl(): string {
    return `${this.baseUrl.replace(/^http/, 'ws')}/ws`;
  }

  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
    } catch (err) {
      throw new CwmnError(ErrorCode.NETWORK, 'The cwmn server could not be reached', { cause: err });
    }
    const json: unknown = await res.json().catch(() => undefined);
    if (res.ok) return json;
    const error = isRecord(json) && isRecord(json.error) ? json.error : undefined;
    if (error && isErrorCode(error.code) && typeof error.message === 'string') {
      throw fromWireError({ code: error.code, message: error.message });
    }
    throw new CwmnError(ErrorCode.SERVER, `The cwmn server answered ${res.status}`);
  }
}

function checkSessionResponse(res: unknown): CreateSessionResponse {
  if (!isRecord(res) || !isRecord(res.session) || typeof res.hostToken !== 'string') {
    throw new CwmnError(ErrorCode.PROTOCOL, 'Malformed session response');
  }
  return res as unknown as CreateSessionResponse;
}
