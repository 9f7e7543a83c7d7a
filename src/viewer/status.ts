// What the viewer tells the guest, as data: each status has a code (also set
// on <body data-state>), a message in plain words, and whether it is final.

import type { RelayReason } from '../protocol/index.js';
import type { TransportKind } from '../transport/transport.js';

export type StatusCode =
  | 'connecting' | 'waiting' | 'live' | 'paused' | 'reconnecting' | 'lost'
  | 'ended' | 'expired' | 'removed' | 'link-used' | 'link-expired' | 'link-invalid' | 'link-revoked' | 'session-over' | 'session-full'
  | 'replaced' | 'load-failed' | 'insecure' | 'error';

export interface Status {
  code: StatusCode;
  message: string;
  /** A final status is never replaced by a transient one. */
  final: boolean;
}

const STATUSES: Record<StatusCode, Omit<Status, 'code'>> = {
  'connecting': { message: 'Connecting to the session…', final: false },
  'waiting': { message: 'Connected. Waiting for the host’s screen…', final: false },
  'live': { message: 'Live', final: false },
  'paused': { message: 'The host paused sharing for privacy. The page will be back shortly.', final: false },
  'reconnecting': { message: 'Reconnecting…', final: false },
  'lost': { message: 'The connection to the host was lost.', final: true },
  'ended': { message: 'The host ended the session.', final: true },
  'expired': { message: 'This session has expired.', final: true },
  'removed': { message: 'You were removed from the session.', final: true },
  'link-used': { message: 'This link was already used. Ask the host for a new invite link.', final: true },
  'link-expired': { message: 'This link has expired. Ask the host for a new invite link.', final: true },
  'link-invalid': { message: 'This link is not valid. Check that you copied the whole link.', final: true },
  'link-revoked': { message: 'The host turned this link off. Ask the host for a new invite link.', final: true },
  'replaced': { message: 'This session was opened in another tab or window.', final: true },
  'session-over': { message: 'This session has already ended.', final: true },
  'session-full': { message: 'This session is full.', final: true },
  'load-failed': { message: 'The viewer could not be loaded. Check your connection and reload the page.', final: true },
  'insecure': { message: 'This link must be opened over a secure connection (https://). Ask the host to check the server’s address.', final: true },
  'error': { message: 'Something went wrong. Please reload the page.', final: true },
};

export function statusOf(code: StatusCode): Status {
  return { code, ...STATUSES[code] };
}

/** How the guest is connected, in words (shown with `live`). */
export function connectionWords(kind: TransportKind, reason: RelayReason | null): string {
  if (kind === 'direct') return 'Connected directly';
  if (kind === 'turn') return 'Connected through a TURN server (your network does not allow a direct connection)';
  const why = reason === 'policy' ? 'this server sends every session that way'
    : reason === 'room' ? 'many guests are watching, so the host sends through the server'
      : 'your network does not allow a direct connection';
  return `Connected through the server (${why})`;
}

/** The status shown for an error code from the server. */
export function statusForError(code: string): StatusCode {
  switch (code) {
    case 'ERR_LINK_USED': return 'link-used';
    case 'ERR_LINK_EXPIRED': return 'link-expired';
    case 'ERR_LINK_INVALID': return 'link-invalid';
    case 'ERR_LINK_REVOKED': return 'link-revoked';
    case 'ERR_SESSION_ENDED': return 'session-over';
    case 'ERR_SESSION_FULL': return 'session-full';
    default: return 'error';
  }
}

/** Renders the status into the viewer page (outside the mirror iframe), as text. */
export class StatusView {
  private current: Status = statusOf('connecting');

  constructor(private readonly textEl: HTMLElement, private readonly body: HTMLElement) {
    this.render();
  }

  get status(): Status {
    return this.current;
  }

  /** Shows `code` (with `detail` instead of its usual words) unless a final status is already shown. Returns whether it changed. */
  set(code: StatusCode, detail?: string): boolean {
    const next = detail ? { ...statusOf(code), message: detail } : statusOf(code);
    if (this.current.final || (this.current.code === code && this.current.message === next.message)) return false;
    this.current = next;
    this.render();
    return true;
  }

  private render(): void {
    this.textEl.textContent = this.current.message;
    this.body.dataset.state = this.current.code;
  }
}
