import type { TransportKind } from '../transport/transport.js';

/** A guest of the session, as `guest.getGuestList()` and the events report it. */
export interface Guest {
  id: string;
  /** Display name (any text up to 100 characters; always displayed as text). */
  name: string;
  /** True when the guest's pointer is hidden (muted). */
  isHidden: boolean;
  /** Pointer position in the host document's page coordinates; null until known. */
  x: number | null;
  y: number | null;
  /** Epoch milliseconds. */
  joinedAt: number;
  /** How its page data travels: `direct`, through a TURN server, through the cwmn server's `relay`; null while unknown. */
  connection: TransportKind | null;
}
