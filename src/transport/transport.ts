// One way of carrying page data and pointer messages between the host and one
// guest, and back. The WebRTC peer connection (peer/peer.ts) and the relay
// through the server (relay/) are its two implementations; the host's session,
// its outbound queue and the viewer's decoding never know which one they use.

import type { CwmnError } from '../protocol/index.js';

/** How a guest's page data travels: directly, through a TURN server, or through the cwmn server. */
export type TransportKind = 'direct' | 'turn' | 'relay';

/** Senders pause above this many buffered bytes on the page-data lane… */
export const BUFFER_HIGH_BYTES = 4 * 1024 * 1024;
/** …and resume below this many (`drain`). */
export const BUFFER_LOW_BYTES = 1024 * 1024;

export type TransportEvents = {
  /** Both lanes are open: page data may flow. */
  open: () => void;
  /** A binary frame arrived on the reliable, ordered page-data lane. */
  dom: (frame: Uint8Array) => void;
  /** A text message arrived on the lossy pointer lane. */
  pointer: (text: string) => void;
  /** The page-data lane's buffer drained below `BUFFER_LOW_BYTES`. */
  drain: () => void;
  /** How the data travels changed (a peer connection's selected path may settle after it opened). */
  kind: (kind: TransportKind) => void;
  /** A frame of the page-data lane was lost (it did not authenticate): what follows needs a fresh snapshot. */
  gap: () => void;
  /** A runtime failure; `close` follows. Emitted at most once. */
  error: (err: CwmnError) => void;
  /** Closed. Emitted exactly once. */
  close: () => void;
};

export interface Transport {
  /** True once open and until closed. */
  readonly isOpen: boolean;
  /** How the data travels once open; null while that is not known yet. */
  readonly kind: TransportKind | null;
  /** Bytes queued on the page-data lane and not yet sent. */
  readonly bufferedAmount: number;
  /** Largest frame the other side accepts, in bytes. */
  readonly maxMessageSize: number;
  /** Sends one binary frame on the page-data lane; false when not open. */
  sendDom(frame: Uint8Array): boolean;
  /** Sends one text message on the pointer lane (may be lost); false when not open. */
  sendPointer(text: string): boolean;
  on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): () => void;
  /** Closes both lanes. Idempotent; `close` is emitted once. */
  close(): void;
}
