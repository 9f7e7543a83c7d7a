// The states of CwmnAPI as data: one enum, one transition table, one setter.

/** Every state `getCurrentState()` can return, spelled as the specification does. */
export const State = {
  Init: 'init',
  Incompatible: 'incompatible browser',
  Unauthorized: 'unauthorized',
  NoSession: 'no session',
  SessionPending: 'session pending',
  InSession: 'in session',
  WaitingForReplay: 'waiting for replay',
  ReplayComplete: 'replay complete',
  ReplayError: 'replay error',
} as const;

export type State = (typeof State)[keyof typeof State];

/** Allowed transitions: from each state, the states it may go to. */
export const TRANSITIONS: Readonly<Record<State, readonly State[]>> = {
  [State.Init]: [State.Incompatible, State.Unauthorized, State.NoSession, State.SessionPending],
  [State.Incompatible]: [],
  [State.Unauthorized]: [],
  [State.NoSession]: [State.SessionPending],
  [State.SessionPending]: [State.InSession, State.NoSession],
  [State.InSession]: [State.Init, State.WaitingForReplay],
  [State.WaitingForReplay]: [State.ReplayComplete, State.ReplayError, State.Init],
  [State.ReplayComplete]: [State.Init],
  [State.ReplayError]: [State.Init],
};

export function canTransition(from: State, to: State): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Holds the current state; `set()` is the only way to change it. */
export class StateMachine {
  private current: State = State.Init;

  constructor(private readonly log: (line: string) => void = () => {}) {}

  get state(): State {
    return this.current;
  }

  /** Moves to `next`. A no-op when already there; throws on a transition the table forbids. */
  set(next: State): boolean {
    if (next === this.current) return false;
    if (!canTransition(this.current, next)) {
      throw new Error(`Illegal state transition ${this.current} -> ${next}`);
    }
    this.log(`${this.current} -> ${next}`);
    this.current = next;
    return true;
  }
}
