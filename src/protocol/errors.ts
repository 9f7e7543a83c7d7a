/** Stable error codes carried by every `CwmnError`. Never match on message text. */
export const ErrorCode = {
  /** The call is not allowed in the current state (see the state table). */
  INVALID_STATE: 'ERR_INVALID_STATE',
  /** A parameter is missing, of the wrong type or out of range. */
  INVALID_PARAMS: 'ERR_INVALID_PARAMS',
  /** The browser lacks something the engine needs. */
  INCOMPATIBLE: 'ERR_INCOMPATIBLE',
  /** The page's origin is not allowed to use this server. */
  UNAUTHORIZED: 'ERR_UNAUTHORIZED',
  /** The server could not be reached or did not answer in time. */
  NETWORK: 'ERR_NETWORK',
  /** The server failed while handling the request. */
  SERVER: 'ERR_SERVER',
  /** The session, guest or link named does not exist. */
  NOT_FOUND: 'ERR_NOT_FOUND',
  /** Too many requests or messages in a short time. */
  RATE_LIMITED: 'ERR_RATE_LIMITED',
  /** A message broke the wire protocol (shape, type or version). */
  PROTOCOL: 'ERR_PROTOCOL',
  /** A message or request body exceeded its size limit. */
  TOO_LARGE: 'ERR_TOO_LARGE',
  /** The invite link is not valid (unknown or malformed). */
  LINK_INVALID: 'ERR_LINK_INVALID',
  /** The one-time invite link was already used. */
  LINK_USED: 'ERR_LINK_USED',
  /** The invite link has expired. */
  LINK_EXPIRED: 'ERR_LINK_EXPIRED',
  /** The host turned this link off (public links), or removed its guest. */
  LINK_REVOKED: 'ERR_LINK_REVOKED',
  /** An email or SMS could not be delivered (the transport refused or failed). */
  DELIVERY_FAILED: 'ERR_DELIVERY_FAILED',
  /** The session has ended. */
  SESSION_ENDED: 'ERR_SESSION_ENDED',
  /** The host token does not match the session. */
  FORBIDDEN: 'ERR_FORBIDDEN',
  /** The peer connection failed (ICE, DTLS or SCTP). */
  PEER_CONNECTION: 'ERR_PEER_CONNECTION',
  /** A data channel closed or failed unexpectedly. */
  DATA_CHANNEL: 'ERR_DATA_CHANNEL',
  /** The signaling socket closed or failed. */
  SIGNALING: 'ERR_SIGNALING',
  /** The feature is not available on this server or in this build, or not enabled for this domain. */
  NOT_SUPPORTED: 'ERR_NOT_SUPPORTED',
  /** The session already has as many guests as its domain allows (`maxGuests`). */
  SESSION_FULL: 'ERR_SESSION_FULL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const CODES = new Set<string>(Object.values(ErrorCode));

/** True when `value` is one of the documented error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && CODES.has(value);
}

/** The one error type of the project: a readable message and a stable `code`. */
export class CwmnError extends Error {
  override readonly name = 'CwmnError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** An error as it travels on a wire: code and message, nothing else. */
export interface WireError {
  code: ErrorCode;
  message: string;
}

export function toWireError(err: unknown): WireError {
  if (err instanceof CwmnError) return { code: err.code, message: err.message };
  return { code: ErrorCode.SERVER, message: 'Internal error' };
}

export function fromWireError(wire: WireError): CwmnError {
  return new CwmnError(wire.code, wire.message);
}
