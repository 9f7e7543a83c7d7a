// Email and SMS invites: a personal one-time link, worded and handed to the
// mail or SMS transport. A link whose invite was not delivered is revoked, so
// nothing is ever half-sent. Invites are rate limited per session (one limit
// for every server of a deployment when its limiters are shared).

import {
  CwmnError, ErrorCode, type GuestInvite, type InviteResult,
} from '../src/protocol/index.js';
import type { LogFn } from './config.js';
import type { MailTransport, SmsTransport } from './delivery/delivery.js';
import { inviteLink, inviteMail, inviteSms, type InviteContent } from './delivery/invite-message.js';
import type { LinkService } from './links.js';
import type { RateLimit, RateLimiter, RateLimiterFactory } from './rate-limit.js';
import type { SessionService } from './sessions.js';

/** Invites one session may send per window. */
export const INVITES_PER_WINDOW = 20;
/** The window of the invite limit: 10 minutes. */
export const INVITE_WINDOW_MS = 10 * 60 * 1000;
/** Invites per session: 20 per 10 minutes, all 20 at once if need be. */
export const INVITE_LIMIT: RateLimit = { burst: INVITES_PER_WINDOW, perSecond: INVITES_PER_WINDOW / (INVITE_WINDOW_MS / 1000) };

/** Collaborators of the invite service. */
export interface InviteServiceOptions {
  sessions: SessionService;
  links: LinkService;
  mail: MailTransport;
  sms: SmsTransport;
  log: LogFn;
  /** Makes the limiter of invites per session. */
  limiters: RateLimiterFactory;
}

/** Sends guest invites. */
export class InviteService {
  private readonly limiter: RateLimiter;

  constructor(private readonly options: InviteServiceOptions) {
    this.limiter = options.limiters('invite', INVITE_LIMIT, 'fail');
  }

  /**
   * Makes a one-time link to the session and sends it to the guest; resolves
   * once the transport accepted the message. Rejects with `ERR_SESSION_ENDED`,
   * `ERR_RATE_LIMITED` or `ERR_DELIVERY_FAILED` (the link is then revoked).
   */
  async invite(sessionId: string, invite: GuestInvite): Promise<InviteResult> {
    const { sessions, links, mail, sms, log } = this.options;
    const channel = invite.guestEmail !== undefined ? 'email' : 'sms';
    const to = invite.guestEmail ?? invite.guestPhone ?? '';
    if (!to) throw new CwmnError(ErrorCode.INVALID_PARAMS, 'guestEmail or guestPhone is required');
    const session = await sessions.running(sessionId);
    if (!(await this.limiter.take(sessionId))) {
      throw new CwmnError(ErrorCode.RATE_LIMITED,
        `Too many invites: at most ${INVITES_PER_WINDOW} every ${INVITE_WINDOW_MS / 60_000} minutes per session`);
    }
    const link = await links.create(sessionId);
    const content: InviteContent = {
      hostName: session.hostName,
      guestName: invite.guestName,
      message: invite.message,
      link: inviteLink(link.url, invite.guestName),
      expiresAt: link.expiresAt,
    };
    try {
      if (channel === 'email') await mail.send(inviteMail(to, content));
      else await sms.send(inviteSms(to, content));
    } catch (err) {
      await links.revoke(link.tokenHash);
      log(`invite by ${channel} for ${sessionId} not delivered; its link is revoked`);
      if (err instanceof CwmnError && err.code === ErrorCode.DELIVERY_FAILED) throw err;
      throw new CwmnError(ErrorCode.DELIVERY_FAILED, 'The invite could not be sent', { cause: err });
    }
    log(`invite by ${channel} sent for ${sessionId}`);
    return { channel, to, expiresAt: link.expiresAt };
  }

  /** Forgets idle rate-limit state, looking at `max` entries at most (see `RateLimiter.sweep`). */
  sweep(max?: number): void {
    this.limiter.sweep(max);
  }
}
