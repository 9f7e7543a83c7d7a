// The guest viewer page: joins with the link's token, mirrors the host's page,
// draws the host's cursor and the other guests' pointers, sends this guest's
// pointer and clicks, and keeps the guest told what is happening.

import { colorFor, POINTER_LAYER_CSS, PointerLayer } from '../common/pointer-layer.js';
import type { PointerView } from '../protocol/index.js';
import { DeferredMirror, type MirrorModule } from './deferred-mirror.js';
import { GuestConnection } from './guest-connection.js';
import type { HostPointerEvent } from './mirror.js';
import { PointerInput } from './pointer-input.js';
import { connectionWords, StatusView, statusForError, type StatusCode } from './status.js';
import type { LinkState } from './guest-connection.js';

/** How long the viewer waits for the host to reconnect a dropped peer link. */
export const PEER_RECOVERY_MS = 30_000;
/** Id of the host's cursor in the pointer layer. */
const HOST_POINTER_ID = 'host';
const HOST_COLOR = '#111827';

export interface ViewerElements {
  stage: HTMLElement;
  layer: HTMLElement;
  surface: HTMLElement;
  status: HTMLElement;
  hostLabel: HTMLElement;
  /** Tells the guest when the host hides their pointer. */
  pointerNote: HTMLElement;
}

export interface ViewerOptions {
  socketUrl: string;
  token: string;
  name: string;
  /** The link's secret from its fragment: the host must prove it holds it too. */
  secret?: string;
  elements: ViewerElements;
  /** Loads the replayer's script (`./mirror.js`), which the viewer does not wait for to join. */
  loadMirror: () => Promise<MirrorModule>;
}

export class Viewer {
  private readonly status: StatusView;
  private readonly connection: GuestConnection;
  private readonly mirror: DeferredMirror;
  private readonly layer: PointerLayer;
  private readonly input: PointerInput;
  private others: PointerView[] = [];
  private hostPointer: { x: number; y: number } | null = null;
  private hostName = 'the host';
  private recoveryTimer: ReturnType<typeof setTimeout> | undefined;
  /** A full snapshot arrived on the current transport: the mirror is current. */
  private snapshotOnPeer = false;
  /** How page data reaches this guest, once known. */
  private link: LinkState | null = null;
  private readonly onResize = () => {
    this.mirror.fit();
    this.redrawPointers();
  };

  constructor(private readonly options: ViewerOptions) {
    const { elements } = options;
    this.status = new StatusView(elements.status, document.body);
    const style = document.createElement('style');
    style.textContent = POINTER_LAYER_CSS;
    document.head.appendChild(style);
    this.layer = new PointerLayer(elements.layer);
    this.connection = new GuestConnection({ socketUrl: options.socketUrl, token: options.token, name: options.name, secret: options.secret });
    // Joining starts at once; the replayer's script downloads meanwhile and is run once this guest has answered.
    this.connection.connect();
    this.mirror = new DeferredMirror({
      root: elements.stage,
      load: options.loadMirror,
      onHostPointer: (e) => this.handleHostPointer(e),
      onApplied: (snapshot) => this.handleApplied(snapshot),
      onLoadFailed: () => this.end('load-failed'),
    });
    this.input = new PointerInput({
      surface: elements.surface,
      toPage: (cx, cy) => this.toPage(cx, cy),
      send: (m) => this.connection.sendPointer(m),
    });
    this.wire();
    window.addEventListener('resize', this.onResize);
    window.addEventListener('pagehide', () => this.connection.sayGoodbye());
  }

  private wire(): void {
    const c = this.connection;
    c.on('joined', (info) => {
      this.hostName = info.hostName || 'the host';
      this.options.elements.hostLabel.textContent = `Viewing ${this.hostName}’s screen`;
      // A resumed socket while the peer is up changes nothing the guest sees.
      if (this.status.status.code === 'connecting' || this.status.status.code === 'reconnecting') this.setStatus('waiting');
    });
    c.on('events', (events) => this.mirror.apply(events));
    c.on('sharing', (paused) => this.setStatus(paused ? 'paused' : 'waiting'));
    c.on('guestState', (isHidden) => {
      const note = this.options.elements.pointerNote;
      note.textContent = isHidden ? 'The host has hidden your pointer.' : '';
      note.hidden = !isHidden;
      document.body.dataset.pointer = isHidden ? 'hidden' : 'shown';
    });
    c.on('pointer', (m) => {
      if (m.t === 'pointers') {
        this.others = m.pointers;
        this.redrawPointers();
      } else {
        const p = this.pageToRoot(m.x, m.y);
        this.layer.ripple(p.left, p.top, colorFor(m.id));
      }
    });
    c.on('switched', () => {
      this.snapshotOnPeer = false;
    });
    // Running the replayer's script holds the main thread for tens of ms. Once this guest has
    // answered, what is left of the handshake is network work, so it delays no step of joining;
    // earlier it would hold up the socket's events. Nothing can be shown before a peer anyway.
    c.on('answered', () => this.mirror.load());
    c.on('linkOpen', (state) => {
      clearTimeout(this.recoveryTimer);
      this.link = state;
      document.body.dataset.connection = state.kind;
      // The snapshot may arrive before this transport reports itself open.
      if (this.snapshotOnPeer) this.setLive();
      else this.setStatus('waiting');
    });
    c.on('linkLost', () => {
      delete document.body.dataset.connection;
      this.snapshotOnPeer = false;
      this.setStatus('reconnecting');
      clearTimeout(this.recoveryTimer);
      this.recoveryTimer = setTimeout(() => this.end('lost'), PEER_RECOVERY_MS);
    });
    c.on('reconnecting', () => this.setStatus('reconnecting'));
    c.on('refused', (code, message, resuming) => {
      // Rejoining: a revoked guest was removed by the host; other refusals are explained by the server.
      if (resuming && code === 'ERR_LINK_REVOKED') this.end('removed');
      else if (resuming && (code === 'ERR_NOT_FOUND' || code === 'ERR_FORBIDDEN')) this.end('error', message);
      else this.end(statusForError(code), code === 'ERR_SERVER' ? message : undefined);
    });
    c.on('replaced', () => this.end('replaced'));
    c.on('ended', (reason) => this.end(reason === 'expired' ? 'expired' : reason === 'removed' ? 'removed' : 'ended'));
    c.on('lost', () => this.end('lost'));
  }

  private handleApplied(snapshot: boolean): void {
    if (snapshot) this.snapshotOnPeer = true;
    const code = this.status.status.code;
    if (this.snapshotOnPeer && (code === 'waiting' || code === 'reconnecting')) {
      this.mirror.fit();
      this.setLive();
    }
    this.redrawPointers();
  }

  private handleHostPointer(e: HostPointerEvent): void {
    const p = this.mirror.toRoot(e.x, e.y);
    if (e.kind === 'click') {
      this.layer.ripple(p.left, p.top, HOST_COLOR);
      return;
    }
    this.hostPointer = { x: e.x, y: e.y };
    this.layer.place(HOST_POINTER_ID, this.hostName, p.left, p.top, HOST_COLOR);
  }

  private redrawPointers(): void {
    const keep = new Set<string>();
    if (this.hostPointer) {
      const p = this.mirror.toRoot(this.hostPointer.x, this.hostPointer.y);
      this.layer.place(HOST_POINTER_ID, this.hostName, p.left, p.top, HOST_COLOR);
      keep.add(HOST_POINTER_ID);
    }
    for (const g of this.others) {
      const p = this.pageToRoot(g.x, g.y);
      this.layer.place(g.id, g.name, p.left, p.top);
      keep.add(g.id);
    }
    this.layer.retain(keep);
  }

  /** Host page coordinates → stage coordinates. */
  private pageToRoot(x: number, y: number): { left: number; top: number } {
    const scroll = this.mirror.scroll;
    return this.mirror.toRoot(x - scroll.x, y - scroll.y);
  }

  /** Viewer client coordinates → host page coordinates. */
  private toPage(clientX: number, clientY: number): { x: number; y: number } | null {
    if (!this.mirror.ready) return null;
    const box = this.options.elements.stage.getBoundingClientRect();
    const v = this.mirror.fromRoot(clientX - box.left, clientY - box.top);
    if (!v) return null;
    const scroll = this.mirror.scroll;
    return { x: v.x + scroll.x, y: v.y + scroll.y };
  }

  /** Live, with how this guest is connected. */
  private setLive(): void {
    this.setStatus('live', this.link ? `Live · ${connectionWords(this.link.kind, this.link.reason)}` : undefined);
  }

  private setStatus(code: StatusCode, detail?: string): void {
    this.status.set(code, detail);
  }

  /** A final status: stop everything, keep the last frame visible under the notice. */
  private end(code: StatusCode, detail?: string): void {
    clearTimeout(this.recoveryTimer);
    this.setStatus(code, detail);
    this.mirror.stopLoading();
    this.input.destroy();
    this.layer.clear();
    this.connection.close();
    window.removeEventListener('resize', this.onResize);
  }
}
