// Invitations to host ("invite to host", "with me"): a realtime session made
// for someone else to host, a guest link for the inviter to watch it, and a
// single-use claim token carried to the landing page in its URL fragment (by
// the host link of a mail, or by the /join page for a join code). Whoever
// claims first becomes the host. Only hashes of tokens and codes are stored.

import {
  CwmnError, ErrorCode, isToken, ITH_FRAGMENT_KEY,
  type CreateSessionResponse, type InviteToHostRequest, type InviteToHostResult, type WireError,
} from '../src/protocol/index.js';
import type { LogFn } from './config.js';
import type { MailTransport } from './delivery/delivery.js';
import { hostInviteMail } from './delivery/host-invite-message.js';
import { inviteLink } from './delivery/invite-message.js';
import type { DomainSettings } from './domain-settings.js';
import { randomJoinCode } from './join-codes.js';
import type { LinkService, NewLink } from './links.js';
import type { OriginPolicy } from './origins.js';
import type { Clock } from './rate-limit.js';
import { endedError, type SessionService } from './sessions.js';
import type { HostInviteRecord, SessionRecord } from './state/records.js';
import { inviteRefusal, type InviteRefusal } from './state/rules.js';
import type { InviteResult, Store } from './state/store.js';
import { hashToken, randomId, randomToken } from './tokens.js';

/** Path prefix of host links: `${publicUrl}/h/<claimToken>`. */
export const HOST_LINK_PATH_PREFIX = '/h/';
/** Path of the join-code page. */
export const JOIN_PAGE_PATH = '/join';
/** Host name of an invite's session when the invitee's name is not given. */
export const DEFAULT_INVITEE_HOST_NAME = 'Host';
/** Claim tokens handed out for one join code and still good (older ones are forgotten). */
export const MAX_JOIN_CODE_TOKENS = 5;
/** Attempts at drawing a server-made join code not in use. */
const JOIN_CODE_DRAWS = 20;

/** Readable refusals of a host link or a claim, one per reason. */
export const HOST_LINK_REFUSALS = {
  invalid: { code: ErrorCode.LINK_INVALID, message: 'This invitation link is not valid' },
  revoked: { code: ErrorCode.LINK_REVOKED, message: 'This invitation was withdrawn: its mail could not be delivered' },
  used: { code: ErrorCode.LINK_USED, message: 'This invitation was already used' },
  expired: { code: ErrorCode.LINK_EXPIRED, message: 'This invitation has expired' },
} as const satisfies Record<string, WireError>;

/** Readable refusals of a join code, one per reason. */
export const JOIN_CODE_REFUSALS = {
  invalid: { code: ErrorCode.LINK_INVALID, message: 'This code is not valid. Check it and try again.' },
  revoked: { code: ErrorCode.LINK_REVOKED, message: 'This code was withdrawn. Ask the person who invited you for a new one.' },
  used: { code: ErrorCode.LINK_USED, message: 'This code was already used. Ask the person who invited you for a new one.' },
  expired: { code: ErrorCode.LINK_EXPIRED, message: 'This code has expired. Ask the person who invited you for a new one.' },
} as const satisfies Record<string, WireError>;

/** A caller's join code that a live invite already has. */
export class JoinCodeInUseError extends CwmnError {
  constructor() {
    super(ErrorCode.INVALID_PARAMS, 'This join code is already in use by another invite; choose another one');
  }
}

/** Collaborators and settings of the hosting-invite service. */
export interface HostInviteServiceOptions {
  store: Store;
  sessions: SessionService;
  links: LinkService;
  origins: OriginPolicy;
  /** Features and session length per origin; absent: the session service's defaults, realtime allowed everywhere. */
  domains?: DomainSettings;
  mail: MailTransport;
  linkTtlSeconds: number;
  /** Base of host links and of the join page's URL, without trailing slash. */
  publicUrl: string;
  /** An invite was claimed: its session now waits for its host's socket. */
  onClaimed: (sessionId: string) => void;
  log: LogFn;
  now?: Clock;
}

/** Makes, shows and claims invitations to host. */
export class HostInviteService {
  private readonly now: Clock;

  constructor(private readonly options: HostInviteServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Makes an invitation: its session, a guest link for the inviter, a claim
   * token (and join code, when asked), then mails the host link when
   * `inviteEmail` is given; `caller` is the asking page's origin. Rejects with
   * `ERR_INVALID_PARAMS` for a `url` the caller may not lead to (see
   * `OriginPolicy.mayLeadTo`; or a join code in use: `JoinCodeInUseError`),
   * with `FeatureDisabledError` when that origin's realtime sessions are off,
   * and with `ERR_DELIVERY_FAILED` when the mail was not accepted — then
   * everything made is withdrawn (session ended, links revoked).
   */
  async create(request: InviteToHostRequest, caller: string | undefined): Promise<InviteToHostResult> {
    const { origins, domains, log } = this.options;
    const landing = new URL(request.url);
    if (!origins.mayLeadTo(landing.origin, caller)) {
      const which = origins.isOpen ? 'the asking site (or this server)' : 'a site allowed to host on this server';
      throw new CwmnError(ErrorCode.INVALID_PARAMS, `url must be a page of ${which}; ${landing.origin} is not`);
    }
    // The session is hosted on the landing page: its origin's settings apply.
    const rules = domains?.requireFeature(landing.origin, 'realtime');
    const claimToken = randomToken();
    const { invite, joinCode, guestLink } = await this.storeInvitation(request, landing, rules?.sessionMaxSeconds, claimToken);
    const result: InviteToHostResult = {
      hostLink: this.hostLinkOf(claimToken),
      guestLink: inviteLink(guestLink.url, request.hostName),
      ...(joinCode === null ? {} : { joinCode }),
      expiresAt: invite.expiresAt,
    };
    if (request.inviteEmail) {
      try {
        await this.options.mail.send(hostInviteMail(request.inviteEmail, {
          inviterName: request.hostName,
          inviteeName: request.inviteName,
          message: request.message,
          hostLink: result.hostLink,
          site: landing.host,
          ...(joinCode === null ? {} : { joinCode: { code: joinCode, pageUrl: `${this.options.publicUrl}${JOIN_PAGE_PATH}` } }),
          expiresAt: invite.expiresAt,
        }));
      } catch (err) {
        await this.withdraw(invite, guestLink.tokenHash);
        log(`invitation to host ${invite.sessionId} not delivered; withdrawn`, { sessionId: invite.sessionId, level: 'warn' });
        if (err instanceof CwmnError && err.code === ErrorCode.DELIVERY_FAILED) throw err;
        throw new CwmnError(ErrorCode.DELIVERY_FAILED, 'The invitation could not be sent', { cause: err });
      }
    }
    log(`invitation to host ${invite.sessionId} made${request.inviteEmail ? ' and mailed' : ''}${joinCode === null ? '' : ' with a join code'}`, { sessionId: invite.sessionId });
    return result;
  }

  /**
   * Where a host link leads: the landing page with the claim token in its
   * fragment. Spends nothing (mail scanners open links); refuses a token that
   * could not be claimed now, saying why.
   */
  async landing(token: string): Promise<{ ok: true; redirect: string } | { ok: false; error: WireError }> {
    const found = await this.findByToken(token);
    if (!found) return { ok: false, error: HOST_LINK_REFUSALS.invalid };
    const refusal = this.refusal(found.invite, found.session, HOST_LINK_REFUSALS);
    if (refusal) return { ok: false, error: refusal };
    // The allowed origins may have changed since the invitation was made: never redirect outside them.
    if (!this.options.origins.isAllowed(new URL(found.invite.url).origin)) return { ok: false, error: HOST_LINK_REFUSALS.invalid };
    return { ok: true, redirect: withClaimToken(found.invite.url, token) };
  }

  /**
   * Claims an invitation: the token's holder becomes the session's host and
   * gets a fresh host token, answered like `POST /api/sessions`. Single use,
   * whoever presents a token of it at the same time: every token and the join
   * code of the invite die with it. Rejects with `ERR_LINK_INVALID`,
   * `ERR_LINK_REVOKED`, `ERR_LINK_USED`, `ERR_LINK_EXPIRED` or `ERR_SESSION_ENDED`.
   */
  async claim(token: string): Promise<CreateSessionResponse> {
    if (!isToken(token)) throw wireToError(HOST_LINK_REFUSALS.invalid);
    const hostToken = randomToken();
    const claimed = await this.options.store.claimHostInvite(hashToken(token), hashToken(hostToken), this.now());
    if (!claimed.ok) throw wireToError(refusalOf(claimed, HOST_LINK_REFUSALS));
    this.options.log(`invitation to host ${claimed.session.id} claimed`, { sessionId: claimed.session.id });
    this.options.onClaimed(claimed.session.id);
    return { session: await this.options.sessions.info(claimed.session), hostToken };
  }

  /**
   * Exchanges a join code (normalized) for where to go: the landing page with a
   * fresh claim token of its invite. The code stays good until its invite is
   * claimed or expires, so a closed tab does not lose it. Rejects with
   * `JOIN_CODE_REFUSALS` (`ERR_LINK_INVALID` for a code no invite has) or
   * `ERR_SESSION_ENDED`.
   */
  async redeemJoinCode(code: string): Promise<string> {
    const candidates = (await this.withSessions(await this.options.store.findHostInvitesByJoinCode(hashToken(code))))
      .sort((a, b) => b.invite.createdAt - a.invite.createdAt);
    const live = candidates.find((c) => !this.refusal(c.invite, c.session, JOIN_CODE_REFUSALS));
    const chosen = live ?? candidates[0];
    if (!chosen) throw wireToError(JOIN_CODE_REFUSALS.invalid);
    const refusal = this.refusal(chosen.invite, chosen.session, JOIN_CODE_REFUSALS);
    if (refusal) throw wireToError(refusal);
    if (!this.options.origins.isAllowed(new URL(chosen.invite.url).origin)) throw wireToError(JOIN_CODE_REFUSALS.invalid);
    const token = randomToken();
    const added = await this.options.store.addHostInviteToken(chosen.invite.id, hashToken(token), MAX_JOIN_CODE_TOKENS - 1, this.now());
    if (!added.ok) throw wireToError(refusalOf(added, JOIN_CODE_REFUSALS));
    return withClaimToken(chosen.invite.url, token);
  }

  /** True while the session's invitation waits to be claimed (nobody is expected to host it yet). */
  async awaitsClaim(sessionId: string): Promise<boolean> {
    const now = this.now();
    return (await this.options.store.sessionHostInvites(sessionId))
      .some((i) => i.claimedAt === null && i.revokedAt === null && now < i.expiresAt);
  }

  /** The absolute host link of a claim token. */
  hostLinkOf(token: string): string {
    return `${this.options.publicUrl}${HOST_LINK_PATH_PREFIX}${token}`;
  }

  /**
   * Stores the invitation's session, guest link and invite at once, with a
   * join code no live invite has (the caller's, or one drawn here).
   */
  private async storeInvitation(
    request: InviteToHostRequest, landing: URL, maxSeconds: number | undefined, claimToken: string,
  ): Promise<{ invite: HostInviteRecord; joinCode: string | null; guestLink: NewLink }> {
    const { store, sessions, links } = this.options;
    for (let draw = 0; draw < JOIN_CODE_DRAWS; draw++) {
      const joinCode = await this.pickJoinCode(request.ithJoinCode);
      const { session } = sessions.prepare({
        hostName: request.inviteName || DEFAULT_INVITEE_HOST_NAME,
        hostEmail: request.inviteEmail,
        isReplay: false,
        origin: landing.origin,
        ...(maxSeconds === undefined ? {} : { maxSeconds }),
      });
      const guestLink = links.prepare(session.id);
      const invite: HostInviteRecord = {
        id: randomId(),
        sessionId: session.id,
        url: landing.href,
        tokenHashes: [hashToken(claimToken)],
        joinCodeHash: joinCode === null ? null : hashToken(joinCode),
        createdAt: this.now(),
        expiresAt: Math.min(this.now() + Math.round(this.options.linkTtlSeconds * 1000), session.expiresAt),
        claimedAt: null,
        revokedAt: null,
      };
      const made = await store.createHostInvite({ session, links: [guestLink.record], invite }, this.now());
      if (made.ok) {
        sessions.started(session);
        return { invite, joinCode, guestLink: guestLink.link };
      }
      // Another invitation took the code since it was checked: a code of the caller's is refused, one drawn here is drawn again.
      if (request.ithJoinCode !== true) throw new JoinCodeInUseError();
    }
    throw new CwmnError(ErrorCode.SERVER, 'Could not find a free join code');
  }

  private async findByToken(token: string): Promise<{ invite: HostInviteRecord; session: SessionRecord } | null> {
    if (!isToken(token)) return null;
    const invite = await this.options.store.findHostInviteByToken(hashToken(token));
    const session = invite && await this.options.sessions.get(invite.sessionId);
    return invite && session ? { invite, session } : null;
  }

  /** The invites with their sessions (invites whose session is gone are left out). */
  private async withSessions(invites: HostInviteRecord[]): Promise<{ invite: HostInviteRecord; session: SessionRecord }[]> {
    const found = await Promise.all(invites.map(async (invite) => ({ invite, session: await this.options.sessions.get(invite.sessionId) })));
    return found.filter((f): f is { invite: HostInviteRecord; session: SessionRecord } => f.session !== undefined);
  }

  /** Why the invitation cannot be claimed now, worded from `words`; null when it can. */
  private refusal(invite: HostInviteRecord, session: SessionRecord, words: InviteWords): WireError | null {
    const reason = inviteRefusal(invite, session, this.now());
    return reason === null ? null : wordsFor(reason, session, words);
  }

  /** The invite's join code: the caller's (unless a live invite has it), a new one, or none. */
  private async pickJoinCode(wanted: string | true | undefined): Promise<string | null> {
    if (wanted === undefined) return null;
    if (wanted !== true) {
      if (await this.codeInUse(wanted)) throw new JoinCodeInUseError();
      return wanted;
    }
    for (let i = 0; i < JOIN_CODE_DRAWS; i++) {
      const code = randomJoinCode();
      if (!await this.codeInUse(code)) return code;
    }
    throw new CwmnError(ErrorCode.SERVER, 'Could not find a free join code');
  }

  private async codeInUse(code: string): Promise<boolean> {
    const invites = await this.withSessions(await this.options.store.findHostInvitesByJoinCode(hashToken(code)));
    return invites.some(({ invite, session }) => this.refusal(invite, session, JOIN_CODE_REFUSALS) === null);
  }

  /** Takes back everything an undelivered invitation made. */
  private async withdraw(invite: HostInviteRecord, guestLinkHash: string): Promise<void> {
    const { store, links, sessions } = this.options;
    await store.revokeHostInvite(invite.id, this.now());
    await links.revoke(guestLinkHash);
    await sessions.end(invite.sessionId, 'host-ended');
  }
}

/** The words of each reason an invitation cannot be claimed (a session that ended says why itself). */
type InviteWords = Record<'revoked' | 'used' | 'expired', WireError>;

function wordsFor(reason: InviteRefusal, session: SessionRecord, words: InviteWords): WireError {
  return reason === 'ended' ? endedError(session) : words[reason];
}

/** The refusal of a failed claim or token addition, worded from `words`. */
function refusalOf(result: Extract<InviteResult, { ok: false }>, words: InviteWords & { invalid: WireError }): WireError {
  return result.reason === 'invalid' ? words.invalid : wordsFor(result.reason, result.session, words);
}

/** `url` with the claim token added to its fragment (after any fragment it has, with `&`). */
export function withClaimToken(url: string, token: string): string {
  const u = new URL(url);
  const existing = u.hash.replace(/^#/, '');
  u.hash = `${existing ? `${existing}&` : ''}${ITH_FRAGMENT_KEY}=${token}`;
  return u.href;
}

function wireToError(error: WireError): CwmnError {
  return new CwmnError(error.code, error.message);
}
