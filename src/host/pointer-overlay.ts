// The host page's overlay of guest pointers and click ripples. It lives in a
// closed shadow root under a zero-size fixed element: rrweb cannot see into a
// closed shadow root, so the overlay is never recorded and never echoed back
// to guests (a blocked full-size overlay would become a blank block there).

import { POINTER_LAYER_CSS, PointerLayer, colorFor } from '../common/pointer-layer.js';

/** Tag of the overlay's host element (also excluded from recording by class). */
export const OVERLAY_TAG = 'cwmn-overlay';

export class PointerOverlay {
  private readonly hostElement: HTMLElement;
  private readonly layer: PointerLayer;
  private readonly notice: HTMLElement;
  /** Page coordinates of each pointer, redrawn on scroll. */
  private readonly positions = new Map<string, { name: string; x: number; y: number }>();
  private readonly onScroll = () => this.redraw();

  constructor(private readonly doc: Document = document) {
    this.hostElement = doc.createElement(OVERLAY_TAG);
    this.hostElement.setAttribute('aria-hidden', 'true');
    this.hostElement.style.cssText = 'position:fixed;left:0;top:0;width:0;height:0;overflow:visible;z-index:2147483647;pointer-events:none;';
    const root = this.hostElement.attachShadow({ mode: 'closed' });
    const style = doc.createElement('style');
    style.textContent = POINTER_LAYER_CSS;
    const container = doc.createElement('div');
    container.style.cssText = 'position:fixed;inset:0;overflow:hidden;pointer-events:none;';
    this.notice = doc.createElement('div');
    this.notice.setAttribute('role', 'status');
    this.notice.hidden = true;
    this.notice.style.cssText = 'position:fixed;top:12px;left:50%;transform:translateX(-50%);padding:8px 16px;border-radius:18px;'
      + 'background:#7c2d12;color:#fff;font:600 13px/1.3 system-ui,sans-serif;box-shadow:0 4px 16px rgba(0,0,0,.3);';
    root.append(style, container, this.notice);
    this.layer = new PointerLayer(container);
    doc.documentElement.appendChild(this.hostElement);
    doc.defaultView?.addEventListener('scroll', this.onScroll, { passive: true });
  }

  /** Shows guest `id`'s pointer at page coordinates. */
  show(id: string, name: string, x: number, y: number): void {
    this.positions.set(id, { name, x, y });
    this.draw(id);
  }

  hide(id: string): void {
    this.positions.delete(id);
    this.layer.remove(id);
  }

  ripple(id: string, x: number, y: number): void {
    const win = this.doc.defaultView;
    this.layer.ripple(x - (win?.scrollX ?? 0), y - (win?.scrollY ?? 0), colorFor(id));
  }

  /** Shows a notice on the host page (never recorded), or hides it with null. */
  setNotice(text: string | null): void {
    this.notice.textContent = text ?? '';
    this.notice.hidden = text === null;
  }

  /** Removes the overlay from the page. Idempotent. */
  destroy(): void {
    this.doc.defaultView?.removeEventListener('scroll', this.onScroll);
    this.layer.clear();
    this.positions.clear();
    this.hostElement.remove();
  }

  private redraw(): void {
    for (const id of this.positions.keys()) this.draw(id);
  }

  private draw(id: string): void {
    const p = this.positions.get(id);
    const win = this.doc.defaultView;
    if (!p || !win) return;
    this.layer.place(id, p.name, p.x - win.scrollX, p.y - win.scrollY);
  }
}
