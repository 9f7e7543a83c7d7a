import { describe, expect, it } from 'vitest';
import { canTransition, State, StateMachine, TRANSITIONS } from '../../../src/host/state-machine.js';

const ALL = Object.values(State);

describe('state machine', () => {
  it('holds the nine documented states, spelled as the specification does', () => {
    expect(ALL.sort()).toEqual([
      'in session', 'incompatible browser', 'init', 'no session', 'replay complete', 'replay error',
      'session pending', 'unauthorized', 'waiting for replay',
    ]);
    expect(Object.keys(TRANSITIONS).sort()).toEqual(ALL.sort());
  });

  const allowed: [State, State][] = [
    [State.Init, State.Incompatible], [State.Init, State.Unauthorized], [State.Init, State.NoSession],
    [State.Init, State.SessionPending], [State.NoSession, State.SessionPending],
    [State.SessionPending, State.InSession], [State.SessionPending, State.NoSession],
    [State.InSession, State.Init], [State.InSession, State.WaitingForReplay],
    [State.WaitingForReplay, State.ReplayComplete], [State.WaitingForReplay, State.ReplayError],
    [State.WaitingForReplay, State.Init], [State.ReplayComplete, State.Init], [State.ReplayError, State.Init],
  ];
  const key = (a: State, b: State) => `${a} -> ${b}`;
  const allowedKeys = new Set(allowed.map(([a, b]) => key(a, b)));

  for (const from of ALL) {
    for (const to of ALL) {
      if (from === to) continue;
      const ok = allowedKeys.has(key(from, to));
      it(`${ok ? 'allows' : 'forbids'} ${from} -> ${to}`, () => {
        expect(canTransition(from, to)).toBe(ok);
        const m = new StateMachine();
        // Walk to `from` through allowed transitions first.
        for (const step of pathTo(from)) m.set(step);
        if (ok) {
          expect(m.set(to)).toBe(true);
          expect(m.state).toBe(to);
        } else {
          expect(() => m.set(to)).toThrow(/Illegal state transition/);
          expect(m.state).toBe(from);
        }
      });
    }
  }

  it('treats setting the current state as a no-op and logs real changes as a -> b', () => {
    const lines: string[] = [];
    const m = new StateMachine((l) => lines.push(l));
    expect(m.set(State.Init)).toBe(false);
    m.set(State.NoSession);
    expect(lines).toEqual(['init -> no session']);
  });

  /** Shortest path of allowed transitions from init to `target`. */
  function pathTo(target: State): State[] {
    const queue: State[][] = [[State.Init]];
    const seen = new Set<State>([State.Init]);
    while (queue.length) {
      const path = queue.shift()!;
      const last = path[path.length - 1]!;
      if (last === target) return path.slice(1);
      for (const next of TRANSITIONS[last]) {
        if (!seen.has(next)) {
          seen.add(next);
          queue.push([...path, next]);
        }
      }
    }
    throw new Error(`unreachable state ${target}`);
  }
});
