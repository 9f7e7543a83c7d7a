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
  /** Named moments, first occurrence only (`ws-open`, `joined`, `offer`, `relay-signal`, `relay-ready`, `pc`, `dom-open`, `mirror-built`, `first-frame`, `live`, `frame`…). */
  marks: Record<string, number>;
  /** Page-data frames received (`dom` channel, or relay bodies of page data): [time, bytes]. */
  frames: [number, number][];
  /** Decoder calls: [time (after decoding), characters]. */
  decodes: [number, number][];
  /** The viewer's `<body data-state>` each time it changed: [time, state]. */
  states: [number, string][];
}

/** What a host page records, as `window.__probe`: per peer connection, in creation order. */
export interface HostProbe {
  peers: { created: number; open: number | null; sends: [number, number][] }[];
}

/** Guest instrumentation: peer connections, page-data frames (direct or relayed), decoded JSON, join stages, first frame after `live`. */
export function installGuestProbe(): void {
  const MAX_RECORDS = 20_000;
  const now = () => performance.timeOrigin + performance.now();
  const probe: GuestProbe = { origin: performance.timeOrigin, pcs: [], decodedChars: 0, marks: {}, frames: [], decodes: [], states: [] };
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

  // Relay bodies as the guest receives them (src/relay/relay-crypto.ts): a hello (0x01), a body sealed
  // for this guest (0x02, then its lane: 0 page data, 2 a group key), or one sealed for the group (0x03).
  const HELLO = 0x01;
  const SEALED = 0x02;
  const GROUP = 0x03;
  const DOM_LANE = 0;
  const OriginalSocket = window.WebSocket;
  window.WebSocket = class extends OriginalSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      if (new URL(String(url)).pathname === '/relay') {
        this.addEventListener('open', () => mark('relay-open'));
        this.addEventListener('message', (e: MessageEvent) => {
          if (typeof e.data === 'string') {
            if (e.data.startsWith('{"type":"relay-ready"')) mark('relay-ready');
            return;
          }
          if (!(e.data instanceof ArrayBuffer)) return;
          const t = now();
          const body = new Uint8Array(e.data);
          if (body[0] === HELLO) mark('relay-keys', t);
          if ((body[0] === SEALED && body[1] === DOM_LANE) || body[0] === GROUP) {
            mark('first-frame', t);
            if (probe.frames.length < MAX_RECORDS) probe.frames.push([t, body.length]);
          }
        });
        return;
      }
      mark('ws-created');
      this.addEventListener('open', () => mark('ws-open'));
      this.addEventListener('message', (e: MessageEvent) => {
        if (typeof e.data !== 'string') return;
        if (e.data.startsWith('{"type":"joined"')) mark('joined');
        else if (e.data.startsWith('{"type":"signal"') && e.data.includes('"type":"offer"')) mark('offer');
        else if (e.data.startsWith('{"type":"signal"') && e.data.includes('"relay":')) mark('relay-signal');
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
    const state = document.body?.dataset.state;
    const last = probe.states[probe.states.length - 1];
    if (state && state !== last?.[1] && probe.states.length < MAX_RECORDS) probe.states.push([now(), state]);
    if (state !== 'live' || 'live' in probe.marks) return;
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

/** What a page sent, as `window.__upload`: bytes handed to `send()` per data channel label (`dc:dom`) or socket path (`ws:/relay`). */
export interface UploadCounts {
  bytes: Record<string, number>;
  sends: Record<string, number>;
}

/**
 * Counts every byte a page hands to `RTCDataChannel.prototype.send` and
 * `WebSocket.prototype.send` (payloads: the transports' own headers are not seen).
 */
export function installUploadCounter(): void {
  const counts: UploadCounts = { bytes: {}, sends: {} };
  (window as unknown as { __upload: UploadCounts }).__upload = counts;
  const encoder = new TextEncoder();
  const size = (data: unknown): number => {
    if (typeof data === 'string') return encoder.encode(data).length;
    if (data instanceof Blob) return data.size;
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
    return 0;
  };
  const count = (key: string, data: unknown) => {
    counts.bytes[key] = (counts.bytes[key] ?? 0) + size(data);
    counts.sends[key] = (counts.sends[key] ?? 0) + 1;
  };
  const channelSend = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: never) {
    count(`dc:${this.label}`, data);
    return channelSend.call(this, data);
  } as RTCDataChannel['send'];
  const socketSend = WebSocket.prototype.send;
  WebSocket.prototype.send = function (this: WebSocket, data: never) {
    count(`ws:${new URL(this.url).pathname}`, data);
    return socketSend.call(this, data);
  } as WebSocket['send'];
}
