// The live replica of the host's page: rrweb's Replayer in live mode, inside
// a sandboxed iframe (allow-same-origin only: no script of the host page ever
// runs here), scaled to fit the guest's window. Events are applied the moment
// they arrive (no pacing by host timestamps: the clocks differ), so rrweb does
// not move its own cursor; the host's cursor is drawn by the viewer instead.

import { EventType, IncrementalSource, MouseInteractions, Replayer } from 'rrweb';
import type { eventWithTime } from '@rrweb/types';
import type { WireEvent } from '../protocol/index.js';

/**
 * rrweb's Replayer keeps every event it was given, for seeking; a live view never seeks and
 * applies each event on arrival, so past this many the applied ones are let go.
 */
export const RETAINED_EVENTS_LIMIT = 500;

export type HostPointerEvent =
  | { kind: 'move'; x: number; y: number }
  | { kind: 'click'; x: number; y: number };

export interface MirrorOptions {
  /** The element the replayer builds into. */
  root: HTMLElement;
  /** The host's cursor moved or clicked (host viewport coordinates). */
  onHostPointer: (e: HostPointerEvent) => void;
  /** Called after each batch is applied; `snapshot` when it held a full snapshot. */
  onApplied: (snapshot: boolean) => void;
}

export class Mirror {
  private readonly replayer: Replayer;
  private width = 0;
  private height = 0;
  private scale = 1;
  private left = 0;
  private top = 0;
  private hasSnapshot = false;

  constructor(private readonly options: MirrorOptions) {
    this.replayer = new Replayer([], {
      root: options.root,
      liveMode: true,
      useVirtualDom: false,
      mouseTail: false,
      showWarning: false,
      triggerFocus: false,
      pauseAnimation: false,
      UNSAFE_replayCanvas: false,
    });
    this.replayer.on('resize', (d) => {
      const { width, height } = d as { width: number; height: number };
      this.width = width;
      this.height = height;
      this.fit();
    });
    // Every event is "in the past" for the replayer, so it is applied at once.
    this.replayer.startLive(Number.MAX_SAFE_INTEGER);
  }

  /** True once a full snapshot has been applied. */
  get ready(): boolean {
    return this.hasSnapshot;
  }

  get iframe(): HTMLIFrameElement {
    return this.replayer.iframe;
  }

  get wrapper(): HTMLElement {
    return this.replayer.wrapper;
  }

  /** Scale factor from host CSS pixels to viewer pixels. */
  get currentScale(): number {
    return this.scale;
  }

  /** Maps host viewport coordinates to coordinates in the root element. */
  toRoot(x: number, y: number): { left: number; top: number } {
    return { left: this.left + x * this.scale, top: this.top + y * this.scale };
  }

  /** Maps coordinates in the root element to host viewport coordinates (null outside the page). */
  fromRoot(left: number, top: number): { x: number; y: number } | null {
    const x = (left - this.left) / this.scale;
    const y = (top - this.top) / this.scale;
    if (!this.width || x < 0 || y < 0 || x > this.width || y > this.height) return null;
    return { x, y };
  }

  /** The host document's scroll position, as mirrored. */
  get scroll(): { x: number; y: number } {
    const win = this.replayer.iframe.contentWindow;
    return { x: win?.scrollX ?? 0, y: win?.scrollY ?? 0 };
  }

  apply(events: WireEvent[]): void {
    let snapshot = false;
    for (const event of events) {
      if (event.type === EventType.FullSnapshot) this.hasSnapshot = snapshot = true;
      // Increments before the first snapshot have nothing to apply to.
      else if (!this.hasSnapshot && event.type !== EventType.Meta) continue;
      this.replayer.addEvent(event as unknown as eventWithTime);
      this.watchHostPointer(event);
    }
    // addEvent applies in a microtask; report after it.
    queueMicrotask(() => {
      this.releaseApplied();
      this.options.onApplied(snapshot);
    });
  }

  /** How many events the replayer holds on to (bounded by `RETAINED_EVENTS_LIMIT`). */
  get retainedEvents(): number {
    return this.replayer.service.state.context.events.length;
  }

  /** Fits the page into the root element's box, keeping its aspect ratio. */
  fit(): void {
    if (!this.width || !this.height) return;
    const box = this.options.root.getBoundingClientRect();
    this.scale = Math.min(1, box.width / this.width, box.height / this.height) || 1;
    const wrapper = this.replayer.wrapper;
    wrapper.style.width = `${this.width}px`;
    wrapper.style.height = `${this.height}px`;
    wrapper.style.transform = `scale(${this.scale})`;
    this.left = Math.max(0, (box.width - this.width * this.scale) / 2);
    this.top = Math.max(0, (box.height - this.height * this.scale) / 2);
    wrapper.style.left = `${this.left}px`;
    wrapper.style.top = `${this.top}px`;
  }

  destroy(): void {
    this.replayer.destroy();
  }

  /** Lets go of applied events, so a long session does not grow the guest's memory. */
  private releaseApplied(): void {
    // The replayer's context holds this same array across transitions; it only reads it to seek.
    const events = this.replayer.service.state.context.events;
    if (events.length > RETAINED_EVENTS_LIMIT) events.length = 0;
  }

  private watchHostPointer(event: WireEvent): void {
    if (event.type !== EventType.IncrementalSnapshot) return;
    const d = event.data as { source?: number; positions?: { x: number; y: number }[]; type?: number; x?: number; y?: number };
    if (d.source === IncrementalSource.MouseMove || d.source === IncrementalSource.TouchMove || d.source === IncrementalSource.Drag) {
      const last = d.positions?.[d.positions.length - 1];
      if (last && Number.isFinite(last.x) && Number.isFinite(last.y)) this.options.onHostPointer({ kind: 'move', x: last.x, y: last.y });
    } else if (d.source === IncrementalSource.MouseInteraction && d.type === MouseInteractions.Click
      && Number.isFinite(d.x) && Number.isFinite(d.y)) {
      this.options.onHostPointer({ kind: 'click', x: d.x!, y: d.y! });
    }
  }
}
