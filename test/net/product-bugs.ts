// Signatures of product bugs these tests have caught, recognised in a failed
// session so its message names the bug instead of only timing out. Remove an
// entry once its bug is fixed.

import { throughTurn, type PeerState } from './peer-stats.js';

/** What a session looked like when a wait failed. */
export interface SessionView {
  guestState?: string;
  guestConnection?: string;
  /** The host's `getGuestList()[0].connection`. */
  hostConnection?: string | null;
  host: PeerState[];
  guest: PeerState[];
}

/** Each known bug the view shows, as a sentence; [] when none does. */
export function knownProductBugs(view: SessionView): string[] {
  const bugs: string[] = [];
  const guestPc = view.guest.filter((p) => p.connectionState === 'connected').at(-1);
  const received = guestPc?.channels.find((c) => c.label === 'dom')?.messagesReceived ?? 0;
  if (view.guestState === 'waiting' && view.guestConnection && received > 0) {
    bugs.push(`PRODUCT BUG (viewer drops the first snapshot): the guest's peer connection received ${received} page-data message(s) `
      + 'yet the viewer still waits for the host\'s screen. A frame that arrives after the data channels open but before Peer emits '
      + '"open" (it first awaits lookUpKind\'s getStats, up to 500 ms) activates the transport from the "dom" handler with kind null '
      + '(shown as "direct"); the "open" that follows activates it again, which stops the decoder holding the snapshot and clears '
      + 'snapshotOnPeer, and nothing asks for another (src/viewer/guest-connection.ts watch()/activate(), src/peer/peer.ts onOpen).');
  }
  const sides = [
    ['host', view.hostConnection, view.host.filter((p) => p.connectionState === 'connected').at(-1)],
    ['guest', view.guestConnection, guestPc],
  ] as const;
  for (const [side, reported, pc] of sides) {
    if (reported === 'direct' && throughTurn(pc)) {
      bugs.push(`PRODUCT BUG (TURN reported as direct): the ${side} says "direct" but its selected candidate pair goes through TURN `
        + `(${pc!.selected!.local.candidateType} -> ${pc!.selected!.remote.candidateType}). Peer.lookUpKind looks once, when the channels `
        + 'open, for a pair that is nominated and "succeeded" (not the transport\'s selectedCandidatePairId, and Chromium may still '
        + 'list the nominated pair as "in-progress"), and a relayed far end may still be a peer-reflexive candidate then '
        + '(src/peer/peer.ts lookUpKind).');
    }
  }
  return bugs;
}
