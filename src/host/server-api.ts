// The host's HTTP calls to the server: domain information, session creation, hosting invites and handoffs.

import {
  CwmnError, ErrorCode, isDomainInfo, isInviteToHostResult, isRecord, isToken,
  type CreateSessionRequest, type CreateSessionResponse, type DomainInfo, type HandoffRedeemResponse, type InviteToHostRequest,
  type InviteToHostResult,
} from '../protocol/index.js';
import { fetchJson } from './fetch-json.js';

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

  /** A new handoff token for the session (the page leaves it for the next page of the site). */
  async issueHandoff(sessionId: string, hostToken: string): Promise<string> {
    const res = await this.request('POST', `/api/sessions/${encodeURIComponent(sessionId)}/handoff`, { hostToken });
    if (!isRecord(res) || !isToken(res.token)) throw new CwmnError(ErrorCode.PROTOCOL, 'Malformed handoff response');
    return res.token;
  }

  /** Trades the handoff token an earlier page of the site left for its session. */
  async redeemHandoff(token: string): Promise<HandoffRedeemResponse> {
    const res = checkSessionResponse(await this.request('POST', '/api/handoff', { token }));
    if (!isToken(res.handoffToken)) throw new CwmnError(ErrorCode.PROTOCOL, 'Malformed handoff response');
    return res as HandoffRedeemResponse;
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

  private request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    return fetchJson(this.baseUrl + path, body === undefined
      ? { method }
      : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }
}

function checkSessionResponse(res: unknown): CreateSessionResponse {
  if (!isRecord(res) || !isRecord(res.session) || typeof res.hostToken !== 'string'
    || (res.handoffToken !== undefined && !isToken(res.handoffToken))) {
    throw new CwmnError(ErrorCode.PROTOCOL, 'Malformed session response');
  }
  return res as unknown as CreateSessionResponse;
}
