// Turns the guest's mouse over the mirror into pointer and click messages in
// the host document's page coordinates, at most once per POINTER_INTERVAL_MS.

import { MAX_COORDINATE, POINTER_INTERVAL_MS, type GuestPointerMessage } from '../protocol/index.js';

export interface PointerInputOptions {
  /** The element over the mirror that receives the guest's mouse. */
  surface: HTMLElement;
  /** Maps viewer client coordinates to host page coordinates (null when outside the page). */
  toPage: (clientX: number, clientY: number) => { x: number; y: number } | null;
  send: (message: GuestPointerMessage) => void;
}

export class PointerInput {
  private lastSent = 0;
  private trailing: ReturnType<typeof setTimeout> | undefined;
  private latest: { x: number; y: number } | null = null;

  private readonly onMove = (e: PointerEvent) => {
    this.latest = this.options.toPage(e.clientX, e.clientY);
    if (!this.latest) return;
    const wait = this.lastSent + POINTER_INTERVAL_MS - performance.now();
    if (wait <= 0) this.flush();
    else if (this.trailing === undefined) this.trailing = setTimeout(() => this.flush(), wait);
  };

  private readonly onClick = (e: MouseEvent) => {
    const p = this.options.toPage(e.clientX, e.clientY);
    if (p) this.options.send({ t: 'click', ...clamp(p) });
  };

  constructor(private readonly options: PointerInputOptions) {
    options.surface.addEventListener('pointermove', this.onMove);
    options.surface.addEventListener('click', this.onClick);
  }

  destroy(): void {
    clearTimeout(this.trailing);
    this.options.surface.removeEventListener('pointermove', this.onMove);
    this.options.surface.removeEventListener('click', this.onClick);
  }

  private flush(): void {
    this.trailing = undefined;
    if (!this.latest) return;
    this.lastSent = performance.now();
    this.options.send({ t: 'pointer', ...clamp(this.latest) });
  }
}

function clamp(p: { x: number; y: number }): { x: number; y: number } {
  const c = (v: number) => Math.round(Math.max(-MAX_COORDINATE, Math.min(MAX_COORDINATE, v)));
  return { x: c(p.x), y: c(p.y) };
}
