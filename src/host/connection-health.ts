// Whether realtime communication works: the signaling socket and every guest's
// peer link. Reports one `issue` when the first problem appears and one
// `resolved` when the last one is gone.

import { Emitter } from '../common/emitter.js';

export type ConnectionHealthEvents = {
  issue: () => void;
  resolved: () => void;
};

export class ConnectionHealth extends Emitter<ConnectionHealthEvents> {
  private readonly problems = new Set<string>();

  get ok(): boolean {
    return this.problems.size === 0;
  }

  /** Marks `source` (e.g. `signaling`, `peer:<guestId>`) as failing or working. */
  set(source: string, failing: boolean): void {
    const before = this.problems.size;
    if (failing) this.problems.add(source);
    else this.problems.delete(source);
    if (before === 0 && this.problems.size > 0) this.emit('issue');
    else if (before > 0 && this.problems.size === 0) this.emit('resolved');
  }
}
