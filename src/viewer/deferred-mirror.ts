// The mirror as the viewer holds it from its first moment: rrweb's replayer
// (most of the viewer's bytes) is a script of its own, which the page downloads
// while the guest joins and which is run when `load()` is called, so joining
// never waits for it. Page data that arrives first waits here and is applied
// in order once the replayer is built; until then the page has no size, no
// scroll and no snapshot.

import type { WireEvent } from '../protocol/index.js';
// Types only: importing the module's code here would pull rrweb into the part that joins.
import type { Mirror, MirrorOptions } from './mirror.js';

/** What loading `./mirror.js` gives (a dynamic import of it). */
export interface MirrorModule {
  Mirror: typeof Mirror;
}

export interface DeferredMirrorOptions extends MirrorOptions {
  /** Loads the replayer's script; called once, by the first `load()`. */
  load: () => Promise<MirrorModule>;
  /** The script could not be loaded or the replayer not built: nothing can be shown. */
  onLoadFailed: (error: unknown) => void;
}

type State =
  /** The script is not loaded yet (nor asked for, when `idle`); batches received meanwhile, in arrival order. */
  | { kind: 'idle' | 'loading'; queue: WireEvent[][] }
  | { kind: 'built'; mirror: Mirror }
  /** Loading failed, or was given up: batches are dropped. */
  | { kind: 'stopped' };

export class DeferredMirror {
  private state: State = { kind: 'idle', queue: [] };

  constructor(private readonly options: DeferredMirrorOptions) {}

  /**
   * Loads the replayer's script and builds it. Running the script takes the page's
   * main thread for a while: call it when nothing urgent waits on it. Idempotent.
   */
  load(): void {
    if (this.state.kind !== 'idle') return;
    this.state = { kind: 'loading', queue: this.state.queue };
    this.options.load().then((module) => this.build(module), (err: unknown) => this.fail(err));
  }

  /** True once the replayer is built and a full snapshot has been applied. */
  get ready(): boolean {
    return this.state.kind === 'built' && this.state.mirror.ready;
  }

  /** The host document's scroll position, as mirrored. */
  get scroll(): { x: number; y: number } {
    return this.state.kind === 'built' ? this.state.mirror.scroll : { x: 0, y: 0 };
  }

  /** Host viewport coordinates → coordinates in the root element (unscaled until a page is shown). */
  toRoot(x: number, y: number): { left: number; top: number } {
    return this.state.kind === 'built' ? this.state.mirror.toRoot(x, y) : { left: x, top: y };
  }

  /** Coordinates in the root element → host viewport coordinates (null outside the page, or with no page yet). */
  fromRoot(left: number, top: number): { x: number; y: number } | null {
    return this.state.kind === 'built' ? this.state.mirror.fromRoot(left, top) : null;
  }

  fit(): void {
    if (this.state.kind === 'built') this.state.mirror.fit();
  }

  /** Applies a batch, or keeps it until the replayer is built. */
  apply(events: WireEvent[]): void {
    if (this.state.kind === 'built') this.state.mirror.apply(events);
    else if (this.state.kind !== 'stopped') this.state.queue.push(events);
  }

  /**
   * Gives up on a replayer not built yet (its batches are dropped, a late load
   * is ignored). A built one is kept, so its last frame stays under a final notice.
   */
  stopLoading(): void {
    if (this.state.kind !== 'built') this.state = { kind: 'stopped' };
  }

  /** Gives up loading and removes a built replayer. Idempotent. */
  destroy(): void {
    if (this.state.kind === 'built') this.state.mirror.destroy();
    this.state = { kind: 'stopped' };
  }

  private build(module: MirrorModule): void {
    if (this.state.kind !== 'loading') return;
    const { queue } = this.state;
    let mirror: Mirror;
    try {
      const { root, onHostPointer, onApplied } = this.options;
      mirror = new module.Mirror({ root, onHostPointer, onApplied });
    } catch (err) {
      this.fail(err);
      return;
    }
    this.state = { kind: 'built', mirror };
    for (const batch of queue) mirror.apply(batch);
  }

  private fail(error: unknown): void {
    if (this.state.kind !== 'loading') return;
    this.state = { kind: 'stopped' };
    this.options.onLoadFailed(error);
  }
}
