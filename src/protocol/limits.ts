/** Version of the wire protocol; bumped on any incompatible change. */
export const PROTOCOL_VERSION = 1;

/** Longest display name of a host or guest, in characters. */
export const MAX_NAME_LENGTH = 100;
/** Longest email address accepted. */
export const MAX_EMAIL_LENGTH = 254;
/** Longest personal message in an email invite, in characters. */
export const MAX_INVITE_MESSAGE_LENGTH = 1000;
/** Longest phone number accepted before normalization. */
export const MAX_PHONE_LENGTH = 32;
/** Largest signaling (WebSocket) message, in bytes. */
export const MAX_SIGNALING_MESSAGE_BYTES = 64 * 1024;
/** Largest HTTP request body, in bytes. */
export const MAX_HTTP_BODY_BYTES = 16 * 1024;
/** Largest SDP accepted in a signal. */
export const MAX_SDP_LENGTH = 32 * 1024;
/** Largest ICE candidate line accepted in a signal. */
export const MAX_CANDIDATE_LENGTH = 1024;
/** Link and session tokens: bytes of randomness (base64url-encoded). */
export const TOKEN_BYTES = 24;

/** Data-channel chunk payload size; 16 KiB is the interoperable size. */
export const CHUNK_BYTES = 16 * 1024;
/** Messages at or above this size are deflated before they are sent. */
export const COMPRESS_MIN_BYTES = 1024;
/** Largest message (compressed, reassembled) accepted on the DOM channel. */
export const MAX_FRAME_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Largest message once inflated (guards against deflate bombs). */
export const MAX_DECODED_BYTES = 512 * 1024 * 1024;
/** Largest pointer-channel message, in bytes. */
export const MAX_POINTER_MESSAGE_BYTES = 4 * 1024;
/** Name of the invite link's fragment parameter holding the link secret (`#k=…`). */
export const LINK_SECRET_PARAM = 'k';
/** Page coordinates are clamped to this magnitude (CSS pixels). */
export const MAX_COORDINATE = 1_000_000;
/** Pointer messages are sent at most this often (≈60 Hz). */
export const POINTER_INTERVAL_MS = 16;
