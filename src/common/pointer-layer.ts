// Draws labelled pointers and click ripples into a container, at coordinates
// relative to that container. Used by the host overlay and by the viewer.
// Names are set with textContent: they are untrusted text, never HTML.

const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#008080', '#f032e6', '#9a6324'];
/** How long a click ripple stays visible. */
export const RIPPLE_MS = 600;

export const POINTER_LAYER_CSS = `
.cwmn-pointer{position:absolute;left:0;top:0;pointer-events:none;will-change:transform;z-index:2}
.cwmn-pointer svg{display:block;filter:drop-shadow(0 1px 1px rgba(0,0,0,.35))}
.cwmn-pointer span{position:absolute;left:14px;top:16px;white-space:nowrap;max-width:220px;overflow:hidden;text-overflow:ellipsis;
  font:600 12px/1.2 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#fff;padding:3px 7px;border-radius:10px}
.cwmn-ripple{position:absolute;width:36px;height:36px;margin:-18px 0 0 -18px;border-radius:50%;pointer-events:none;
  border:3px solid currentColor;animation:cwmn-ripple ${RIPPLE_MS}ms ease-out forwards;z-index:1}
@keyframes cwmn-ripple{from{transform:scale(.3);opacity:1}to{transform:scale(1.6);opacity:0}}
`;

/** A stable color for an id. */
export function colorFor(id: string): string {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return PALETTE[h % PALETTE.length]!;
}

export class PointerLayer {
  private readonly pointers = new Map<string, HTMLElement>();

  constructor(private readonly container: HTMLElement) {}

  /** Places (creating if needed) the pointer `id` at container coordinates. */
  place(id: string, label: string, left: number, top: number, color = colorFor(id)): void {
    let el = this.pointers.get(id);
    if (!el) {
      el = this.create(color);
      this.pointers.set(id, el);
      this.container.appendChild(el);
    }
    const span = el.querySelector('span')!;
    if (span.textContent !== label) span.textContent = label;
    span.hidden = label === '';
    el.style.transform = `translate(${left}px, ${top}px)`;
  }

  has(id: string): boolean {
    return this.pointers.has(id);
  }

  remove(id: string): void {
    this.pointers.get(id)?.remove();
    this.pointers.delete(id);
  }

  /** Removes every pointer whose id is not in `keep`. */
  retain(keep: ReadonlySet<string>): void {
    for (const id of [...this.pointers.keys()]) if (!keep.has(id)) this.remove(id);
  }

  ripple(left: number, top: number, color: string): void {
    const el = this.container.ownerDocument.createElement('div');
    el.className = 'cwmn-ripple';
    el.style.left = `${left}px`;
    el.style.top = `${top}px`;
    el.style.color = color;
    this.container.appendChild(el);
    setTimeout(() => el.remove(), RIPPLE_MS);
  }

  clear(): void {
    for (const id of [...this.pointers.keys()]) this.remove(id);
  }

  private create(color: string): HTMLElement {
    const doc = this.container.ownerDocument;
    const el = doc.createElement('div');
    el.className = 'cwmn-pointer';
    const svgNs = 'http://www.w3.org/2000/svg';
    const svg = doc.createElementNS(svgNs, 'svg');
    svg.setAttribute('width', '18');
    svg.setAttribute('height', '22');
    svg.setAttribute('viewBox', '0 0 18 22');
    const path = doc.createElementNS(svgNs, 'path');
    path.setAttribute('d', 'M1 1 L1 18 L5.5 13.5 L8.5 20.5 L11.5 19.2 L8.6 12.4 L15 12.4 Z');
    path.setAttribute('fill', color);
    path.setAttribute('stroke', '#fff');
    path.setAttribute('stroke-width', '1.5');
    svg.appendChild(path);
    const span = doc.createElement('span');
    span.style.background = color;
    el.append(svg, span);
    return el;
  }
}
