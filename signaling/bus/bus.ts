// What servers tell each other about a session: a message for a host's,
// a guest's or all guests' sockets, an order to close some of them, or a relay
// frame. Every server with a socket of a session listens on that session's
// topic; a server that wants something done for a session publishes it there
// (its own sockets included), so one process and many behave alike and what
// one publisher sends arrives in the order it was sent. The in-memory bus
// serves one process; the Redis bus (pub/sub) many.

import type { SocketHolder } from '../state/store.js';

/** Whose sockets of the session a delivery is for. */
export type Recipient =
  | { role: 'host'; holder?: SocketHolder }
  | { role: 'guest'; guestId: string; holder?: SocketHolder }
  /** Every guest of the session. */
  | { role: 'guests' };

/** Which socket of a recipient: its signaling socket or its relay socket. */
export type Lane = 'signaling' | 'relay';

/**
 * What to do for a recipient. With a `holder`, only the socket of that holder
 * (see `SocketHolder`) is meant: an older socket replaced by a newer one on
 * another server is closed, and the newer one is left alone.
 */
export type Delivery =
  /** A message, already serialized, for the recipient's socket of `lane`. */
  | { op: 'send'; to: Recipient; lane: Lane; text: string }
  /** Close the recipient's sockets of `lane` with `code`. */
  | { op: 'close'; to: Recipient; lane: Lane; code: number; reason: string }
  /** A relay frame for the recipient's relay socket. */
  | { op: 'frame'; to: Recipient; bytes: Uint8Array }
  /**
   * The relay socket of `from` came (`present`) or went. A relay socket told
   * that another came answers (`answer`) that it is there too, so each side
   * learns of the other whichever came first and wherever it is.
   */
  | { op: 'relay-peer'; to: Recipient; from: RelayEnd; present: boolean; answer: boolean };

/** The host's or one guest's end of a session's relay. */
export type RelayEnd = { role: 'host' } | { role: 'guest'; guestId: string };

/** Hears the deliveries of one session. */
export type DeliveryHandler = (delivery: Delivery) => void;

/** A listener on one session's topic. */
export interface Listening {
  /** Settles once deliveries published from now on reach the listener (on Redis: the subscription is made). */
  ready: Promise<void>;
  /** Stops listening. Idempotent. */
  stop(): void;
}

export interface Bus {
  /** What this server's bus carried so far. */
  readonly counters: Readonly<BusCounters>;
  /** Publishes `delivery` on the topic of `sessionId`; every server listening there (this one too) gets it. */
  publish(sessionId: string, delivery: Delivery): void;
  /** Listens on the topic of `sessionId` until `stop()`. */
  listen(sessionId: string, handler: DeliveryHandler): Listening;
  /** Resolves when the bus answers (readiness); rejects otherwise. */
  ping(): Promise<void>;
  /** Stops listening and publishing. Idempotent. */
  close(): Promise<void>;
}

/** Counts of what a bus carried (metrics). */
export interface BusCounters {
  published: number;
  received: number;
  /** Messages dropped on arrival: malformed, another version. */
  dropped: number;
}
