// The states of a replay and their one transition table.

import type { ReplayState } from '../../src/protocol/index.js';

/** Which state may follow which. Abandoning deletes the replay from any state (it is not a state). */
export const REPLAY_TRANSITIONS: Readonly<Record<ReplayState, readonly ReplayState[]>> = {
  /** Uploads accepted; ends by finish, expiry or silence. */
  recording: ['queued'],
  /** Waiting for the one render slot. */
  queued: ['rendering'],
  /** Stays so when the server stopped mid-render: queued again as it is on start (a worker may still be rendering it). */
  rendering: ['complete', 'error'],
  complete: [],
  error: [],
};

/** True when a replay in `from` may move to `to`. */
export function canTransition(from: ReplayState, to: ReplayState): boolean {
  return REPLAY_TRANSITIONS[from].includes(to);
}
