import { describe, expect, it } from 'vitest';
import { REPLAY_STATES, type ReplayState } from '../../../src/protocol/index.js';
import { canTransition, REPLAY_TRANSITIONS } from '../../../signaling/replay/replay-state.js';
import { REPLAY_MOVES } from '../../../signaling/state/replay-operations.js';

const ALLOWED = new Set([
  'recording>queued', 'queued>rendering', 'rendering>complete', 'rendering>error',
]);

describe('replay states', () => {
  it('allows exactly the transitions of the table, for every pair of states', () => {
    for (const from of REPLAY_STATES) {
      for (const to of REPLAY_STATES) {
        expect([`${from}>${to}`, canTransition(from, to)]).toEqual([`${from}>${to}`, ALLOWED.has(`${from}>${to}`)]);
      }
    }
  });

  it('has a row for every state and ends in complete or error', () => {
    expect(Object.keys(REPLAY_TRANSITIONS).sort()).toEqual([...REPLAY_STATES].sort());
    const final: ReplayState[] = REPLAY_STATES.filter((s) => REPLAY_TRANSITIONS[s].length === 0);
    expect(final).toEqual(['complete', 'error']);
  });

  it('moves replays in the store by transitions of the table only, one change per transition', () => {
    const moves = Object.values(REPLAY_MOVES).map(({ from, to }) => `${from}>${to}`);
    expect(moves.sort()).toEqual([...ALLOWED].sort());
  });
});
