// Page-side instrumentation, installed with `addInitScript` before any script
// of the page runs. Each function is serialized by Playwright: it must be
// self-contained (no imports, no outside names). Times are ms on the clock
// every page of this machine shares: `performance.timeOrigin + performance.now()`.

/** What a guest page (the viewer) records, as `window.__probe`. */
export interface GuestProbe {
  /** Navigation start of the page (the link was opened). */
  origin: number;
  /** Every RTCPeerConnection the page made, for `getStats()`. */
  pcs: RTCPeerConnection[];
  /** Characters returned by `TextDecoder.prototype.decode` (the raw JSON received). */
  decodedChars: number;
  /** Named moments, first occurrence only (`ws-open`, `joined`, `offer`, `pc`, `dom-open`, `mirror-built`, `first-frame`, `live`, `frame`…). */
  marks: Record<string, number>;
  /** DOM-channel frames received: [time, bytes]. */
  frames: [number, number][];
  /** Decoder calls: [time (after decoding), characters]. */
  decodes: [number, number][];
}

/** What a host page records, as `window.__probe`: per peer connection, in creation order. */
export interface HostProbe {
  peers: { created: number; open: number | null; sends: [number, number][] }[];
}

/** Guest instrumentation: peer connections, DOM-channel frames, decoded JSON, join stages, first frame after `live`. */
export function installGuestProbe(): void {
  const MAX_RECORDS = 20_000;
  const now = () => performance.timeOrigin + performance.now();
  const probe: GuestProbe = { origin: performance.timeOrigin, pcs: [], decodedChars: 0, marks: {}, frames: [], decodes: [] };
  (window as unknown as { __probe: GuestProbe }).__probe = probe;
  const mark = (name: string, t = now()) => {
    if (!(name in probe.marks)) probe.marks[name] = t;
  };

  const decode = TextDecoder.prototype.decode;
  TextDecoder.prototype.decode = function (this: TextDecoder, ...args: Parameters<TextDecoder['decode']>): string {
    const text = decode.apply(this, args);
    probe.decodedChars += text.length;
    if (probe.decodes.length < MAX_RECORDS) probe.decodes.push([now(), text.length]);
    return text;
  };

  const Original = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Original {
    constructor(config?: RTCConfiguration) {
      super(config);
      probe.pcs.push(this);
      mark('pc');
    }

    override createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
      const channel = super.createDataChannel(label, init);
      if (label === 'dom') {
        channel.addEventListener('open', () => mark('dom-open'));
        channel.addEventListener('message', (e: MessageEvent) => {
          const t = now();
          mark('first-frame', t);
          const size = e.data instanceof ArrayBuffer ? e.data.byteLength : String(e.data).length;
          if (probe.frames.length < MAX_RECORDS) probe.frames.push([t, size]);
        });
      }
      return channel;
    }
  } as typeof RTCPeerConnection;

  const OriginalSocket = window.WebSocket;
  window.WebSocket = class extends OriginalSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      mark('ws-created');
      this.addEventListener('open', () => mark('ws-open'));
      this.addEventListener('message', (e: MessageEvent) => {
        if (typeof e.data !== 'string') return;
        if (e.data.startsWith('{"type":"joined"')) mark('joined');
        else if (e.data.startsWith('{"type":"signal"') && e.data.includes('"type":"offer"')) mark('offer');
      });
    }
  } as typeof WebSocket;

  document.addEventListener('DOMContentLoaded', () => mark('dom-content-loaded'));
  // The replayer's script has run once rrweb's iframe is in the stage (it is built with the replayer, before any page data).
  const built = new MutationObserver(() => {
    if (!document.querySelector('#cwmn-stage iframe')) return;
    mark('mirror-built');
    built.disconnect();
  });
  built.observe(document, { subtree: true, childList: true });
  // `live` is set once the first snapshot is applied; the next animation frame is the first one rendered with it.
  new MutationObserver(() => {
    if (document.body?.dataset.state !== 'live' || 'live' in probe.marks) return;
    mark('live');
    requestAnimationFrame(() => mark('frame'));
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
}

/** Host instrumentation: when each peer connection was made, opened its DOM channel, and sent each DOM frame. */
export function installHostProbe(): void {
  const MAX_SENDS = 20_000;
  const now = () => performance.timeOrigin + performance.now();
  const probe: HostProbe = { peers: [] };
  (window as unknown as { __probe: HostProbe }).__probe = probe;

  const Original = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Original {
    constructor(config?: RTCConfiguration) {
      super(config);
      probe.peers.push({ created: now(), open: null, sends: [] });
    }

    override createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
      const channel = super.createDataChannel(label, init);
      const peer = probe.peers[probe.peers.length - 1];
      if (label === 'dom' && peer) {
        channel.addEventListener('open', () => {
          peer.open = now();
        });
        const send = channel.send;
        channel.send = function (this: RTCDataChannel, data: never) {
          if (peer.sends.length < MAX_SENDS) peer.sends.push([now(), (data as ArrayBufferView).byteLength ?? 0]);
          return send.call(this, data);
        } as RTCDataChannel['send'];
      }
      return channel;
    }
  } as typeof RTCPeerConnection;
}
