// One WebRTC peer connection with the project's two data channels: the direct
// (or TURN) transport. Like simple-peer, a Peer never talks to a server: it
// emits `signal` and the owner delivers the other side's signals to
// `handleSignal()`. The host side offers; the guest side only answers, so
// offers never collide.
//
// A restartable peer survives the loss of its network path: instead of
// failing it reports `stalled` and waits, with its data channels, until an ICE
// restart (`restartIce()` on the offering side) finds a path again, when it
// reports `open` once more.

import { Emitter } from '../common/emitter.js';
import { sdpFingerprints, signDescription, verifyDescription } from './sdp-auth.js';
import { BUFFER_LOW_BYTES, type Transport, type TransportEvents, type TransportKind } from '../transport/transport.js';
import {
  CwmnError, DOM_CHANNEL, DOM_CHANNEL_ID, ErrorCode, POINTER_CHANNEL, POINTER_CHANNEL_ID,
  type SignalData,
} from '../protocol/index.js';

/** Give up (or, restartable, stall) when the channels are not open this long after creation or an ICE restart. */
export const PEER_CONNECT_TIMEOUT_MS = 20_000;
/** A restartable peer whose path stays `disconnected` this long counts as stalled (ICE takes far longer to say `failed`). */
export const PEER_STALL_AFTER_MS = 4_000;
/** When, after opening, the selected path is looked up (to tell `direct` from `turn`): it may settle late. */
const KIND_CHECKS_MS = [0, 1_000, 3_000, 10_000];

export interface PeerOptions {
  /** True on the host: creates the offer. */
  initiator: boolean;
  iceServers: RTCIceServer[];
  /** The RTCPeerConnection constructor; the global one by default (Node passes a polyfill). */
  RTCPeerConnection?: typeof RTCPeerConnection;
  /** The invite link's secret: descriptions sent are MACed with it, and received ones checked. */
  secret?: string;
  /** Refuse a remote description without a valid MAC (a peer without the secret). */
  requireAuth?: boolean;
  /** A lost path (ICE `failed`, `disconnected` for long, or no path in time) stalls the peer instead of closing it. */
  restartable?: boolean;
}

export type PeerEvents = TransportEvents & {
  /** Negotiation data to deliver to the other side's `handleSignal()`. */
  signal: (data: SignalData) => void;
  /** Restartable peers: the path is down (or was never found); an ICE restart may bring it back, then `open` again. */
  stalled: () => void;
};

export class Peer extends Emitter<PeerEvents> implements Transport {
  private readonly pc: RTCPeerConnection;
  private readonly domChannel: RTCDataChannel;
  private readonly pointerChannel: RTCDataChannel;
  private readonly pendingCandidates: RTCIceCandidateInit[] = [];
  /** Our candidates wait until our description is sent (signing it is async; the other side needs it first). */
  private heldCandidates: SignalData[] | null = [];
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private stallTimer: ReturnType<typeof setTimeout> | undefined;
  private stalled = false;
  /** Own flag: node-datachannel's polyfill reports a remote description before one is set. */
  private hasRemoteDescription = false;
  private opened = false;
  private destroyed = false;
  private authenticated = false;
  private selectedKind: TransportKind = 'direct';
  private readonly kindTimers: ReturnType<typeof setTimeout>[] = [];

  constructor(private readonly options: PeerOptions) {
    super();
    const PC = options.RTCPeerConnection ?? globalThis.RTCPeerConnection;
    this.pc = new PC({ iceServers: options.iceServers });
    this.domChannel = this.pc.createDataChannel(DOM_CHANNEL, { negotiated: true, id: DOM_CHANNEL_ID, ordered: true });
    this.pointerChannel = this.pc.createDataChannel(POINTER_CHANNEL, {
      negotiated: true, id: POINTER_CHANNEL_ID, ordered: false, maxRetransmits: 0,
    });
    this.domChannel.binaryType = 'arraybuffer';
    this.domChannel.bufferedAmountLowThreshold = BUFFER_LOW_BYTES;
    this.wire();
    this.armConnectTimer();
    if (options.initiator) void this.offer();
  }

  get isOpen(): boolean {
    return this.opened && !this.stalled && !this.destroyed;
  }

  /** `turn` when the selected candidate pair goes through a TURN server, else `direct` (`kind` tells of a change); null until open. */
  get kind(): TransportKind | null {
    return this.isOpen ? this.selectedKind : null;
  }

  /** True when the remote description carried a valid MAC under the link's secret. */
  get verified(): boolean {
    return this.authenticated;
  }

  /** Bytes queued on the DOM channel and not yet sent. */
  get bufferedAmount(): number {
    return this.domChannel.bufferedAmount;
  }

  /** Largest message the remote side accepts, as negotiated (bytes). */
  get maxMessageSize(): number {
    return this.pc.sctp?.maxMessageSize ?? 16 * 1024;
  }

  /** True when `sdp` comes from the same connection as the remote description we have (an ICE restart, not a new peer). */
  continues(sdp: string): boolean {
    const remote = this.pc.remoteDescription?.sdp;
    return !this.destroyed && this.hasRemoteDescription && !!remote && sdpFingerprints(remote) === sdpFingerprints(sdp)
      && sdpFingerprints(sdp) !== '';
  }

  /** Offering side: looks for a network path again (new ICE credentials and candidates) on this same connection. */
  restartIce(): void {
    if (this.destroyed || !this.options.initiator) return;
    this.pc.restartIce();
    this.armConnectTimer();
    void this.offer({ iceRestart: true });
  }

  /** Delivers the other side's negotiation data. */
  async handleSignal(data: SignalData): Promise<void> {
    if (this.destroyed) return;
    try {
      if ('description' in data) {
        const { description } = data;
        if (description.type === 'offer' && this.options.initiator) {
          throw new CwmnError(ErrorCode.PROTOCOL, 'The answering side sent an offer');
        }
        await this.checkAuth(description);
        await this.pc.setRemoteDescription({ type: description.type, sdp: description.sdp });
        this.hasRemoteDescription = true;
        for (const candidate of this.pendingCandidates.splice(0)) await this.pc.addIceCandidate(candidate);
        if (description.type === 'offer') {
          this.heldCandidates ??= []; // A restart's candidates must not overtake its answer.
          const answer = await this.pc.createAnswer();
          await this.pc.setLocalDescription(answer);
          const local = this.pc.localDescription ?? answer;
          this.sendDescription(await this.describe('answer', local.sdp ?? ''));
        }
      } else if ('candidate' in data && data.candidate) {
        if (this.hasRemoteDescription) await this.pc.addIceCandidate(data.candidate);
        else this.pendingCandidates.push(data.candidate);
      }
    } catch (err) {
      this.fail(err instanceof CwmnError ? err : new CwmnError(ErrorCode.PEER_CONNECTION, 'Negotiation failed', { cause: err }));
    }
  }

  /** Sends one binary frame on the DOM channel. Returns false when the peer is not open. */
  sendDom(frame: Uint8Array): boolean {
    if (!this.isOpen || this.domChannel.readyState !== 'open') return false;
    try {
      this.domChannel.send(frame as Uint8Array<ArrayBuffer>);
      return true;
    } catch (err) {
      this.fail(new CwmnError(ErrorCode.DATA_CHANNEL, 'DOM channel send failed', { cause: err }));
      return false;
    }
  }

  /** Sends one text message on the pointer channel (lossy by design). */
  sendPointer(text: string): boolean {
    if (!this.isOpen || this.pointerChannel.readyState !== 'open') return false;
    try {
      this.pointerChannel.send(text);
      return true;
    } catch {
      return false; // A lost pointer update is superseded by the next one.
    }
  }

  /** Closes channels and connection. Idempotent; emits `close` once. */
  close(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    clearTimeout(this.connectTimer);
    clearTimeout(this.stallTimer);
    for (const t of this.kindTimers) clearTimeout(t);
    for (const channel of [this.pointerChannel, this.domChannel]) {
      channel.onopen = channel.onclose = channel.onmessage = channel.onerror = null;
      channel.onbufferedamountlow = null;
      try { channel.close(); } catch { /* already closed */ }
    }
    this.pc.onicecandidate = this.pc.onconnectionstatechange = null;
    try { this.pc.close(); } catch { /* already closed */ }
    this.emit('close');
    this.removeAllListeners();
  }

  private async offer(options?: RTCOfferOptions): Promise<void> {
    try {
      this.heldCandidates ??= []; // A restart's candidates must not overtake its offer.
      const offer = await this.pc.createOffer(options);
      await this.pc.setLocalDescription(offer);
      const local = this.pc.localDescription ?? offer;
      const description = await this.describe('offer', local.sdp ?? '');
      if (!this.destroyed) this.sendDescription(description);
    } catch (err) {
      this.fail(new CwmnError(ErrorCode.PEER_CONNECTION, 'Could not create an offer', { cause: err }));
    }
  }

  /** Sends our description, then the candidates gathered meanwhile. */
  private sendDescription(description: { type: 'offer' | 'answer'; sdp: string; auth?: string }): void {
    this.emit('signal', { description });
    const held = this.heldCandidates ?? [];
    this.heldCandidates = null;
    for (const c of held) this.emit('signal', c);
  }

  /** A description to send, MACed when there is a secret. */
  private async describe(type: 'offer' | 'answer', sdp: string): Promise<{ type: 'offer' | 'answer'; sdp: string; auth?: string }> {
    const { secret } = this.options;
    return secret ? { type, sdp, auth: await signDescription(secret, type, sdp) } : { type, sdp };
  }

  /** Refuses a remote description whose MAC is wrong, or missing when required. */
  private async checkAuth(d: { type: string; sdp: string; auth?: string }): Promise<void> {
    const { secret, requireAuth } = this.options;
    if (!secret || d.auth === undefined) {
      if (requireAuth) throw new CwmnError(ErrorCode.PEER_CONNECTION, 'The other side could not prove it holds the invite link');
      return;
    }
    if (!(await verifyDescription(secret, d.type, d.sdp, d.auth))) {
      throw new CwmnError(ErrorCode.PEER_CONNECTION, 'The other side’s description was altered on the way');
    }
    this.authenticated = true;
  }

  private wire(): void {
    this.pc.onicecandidate = (e) => {
      const c = e.candidate;
      const signal: SignalData = {
        candidate: c && c.candidate ? { candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null } : null,
      };
      if (this.heldCandidates) this.heldCandidates.push(signal);
      else this.emit('signal', signal);
    };
    this.pc.onconnectionstatechange = () => {
      const state = this.pc.connectionState;
      if (state !== 'disconnected') clearTimeout(this.stallTimer);
      if (state === 'failed') {
        this.lostPath(new CwmnError(ErrorCode.PEER_CONNECTION, 'Peer connection failed'));
      } else if (state === 'disconnected' && this.options.restartable && this.opened) {
        clearTimeout(this.stallTimer);
        this.stallTimer = setTimeout(() => this.stall(), PEER_STALL_AFTER_MS);
      } else if (state === 'connected' && this.stalled && this.channelsOpen()) {
        this.stalled = false;
        this.reopened();
      } else if (state === 'closed') {
        this.close();
      }
    };
    const onOpen = () => {
      if (this.opened || !this.channelsOpen()) return;
      this.opened = true;
      this.stalled = false;
      this.reopened();
    };
    const onClose = () => {
      if (!this.destroyed) this.fail(new CwmnError(ErrorCode.DATA_CHANNEL, 'Data channel closed'));
    };
    this.domChannel.onopen = onOpen;
    this.pointerChannel.onopen = onOpen;
    this.domChannel.onclose = onClose;
    this.pointerChannel.onclose = onClose;
    this.domChannel.onbufferedamountlow = () => this.emit('drain');
    this.domChannel.onmessage = (e: MessageEvent) => {
      const { data } = e;
      if (data instanceof ArrayBuffer) this.emit('dom', new Uint8Array(data));
      else if (ArrayBuffer.isView(data)) this.emit('dom', new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      // Text on the binary channel is ignored: it is not part of the protocol.
    };
    this.pointerChannel.onmessage = (e: MessageEvent) => {
      if (typeof e.data === 'string') this.emit('pointer', e.data);
    };
  }

  private channelsOpen(): boolean {
    return this.domChannel.readyState === 'open' && this.pointerChannel.readyState === 'open';
  }

  /** The channels opened, or a stalled path came back: page data may flow. */
  private reopened(): void {
    clearTimeout(this.connectTimer);
    this.emit('open');
    this.watchKind();
  }

  private armConnectTimer(): void {
    clearTimeout(this.connectTimer);
    this.connectTimer = setTimeout(() => {
      if (!this.isOpen) this.lostPath(new CwmnError(ErrorCode.PEER_CONNECTION, 'Peer connection timed out'));
    }, PEER_CONNECT_TIMEOUT_MS);
  }

  /** No network path: a restartable peer stalls and waits for a restart, any other fails. */
  private lostPath(err: CwmnError): void {
    if (this.options.restartable) this.stall();
    else this.fail(err);
  }

  private stall(): void {
    clearTimeout(this.stallTimer);
    if (this.destroyed) return;
    this.stalled = true;
    this.emit('stalled');
  }

  /** Looks up the selected path now and a few times after opening (it may settle late); emits `kind` when it changes. */
  private watchKind(): void {
    for (const t of this.kindTimers.splice(0)) clearTimeout(t);
    for (const delay of KIND_CHECKS_MS) {
      this.kindTimers.push(setTimeout(() => void this.checkKind(), delay));
    }
  }

  private async checkKind(): Promise<void> {
    let kind: TransportKind | null;
    try {
      kind = await this.lookUpKind();
    } catch {
      return; // No stats (a polyfill without them): it stays `direct`.
    }
    if (this.destroyed || kind === null || kind === this.selectedKind) return;
    this.selectedKind = kind;
    this.emit('kind', kind);
  }

  /**
   * `turn` when the selected candidate pair has a `relay` candidate on either end, `direct`
   * otherwise; null while no pair is selected. A candidate the other side's checks revealed
   * before its signal arrived is `prflx` at first and gets its real type once the signal is in.
   */
  private async lookUpKind(): Promise<TransportKind | null> {
    const stats = await this.pc.getStats();
    const byId = new Map<string, Record<string, unknown>>();
    stats.forEach((s: Record<string, unknown>) => byId.set(s.id as string, s));
    const values = [...byId.values()];
    const selectedId = values.find((s) => s.type === 'transport' && typeof s.selectedCandidatePairId === 'string')?.selectedCandidatePairId;
    const pair = (typeof selectedId === 'string' ? byId.get(selectedId) : undefined)
      ?? values.find((s) => s.type === 'candidate-pair' && (s.selected === true || (s.nominated === true && s.state === 'succeeded')));
    if (!pair) return null;
    const ends = [byId.get(pair.localCandidateId as string), byId.get(pair.remoteCandidateId as string)];
    return ends.some((c) => c?.candidateType === 'relay') ? 'turn' : 'direct';
  }

  private fail(err: CwmnError): void {
    if (this.destroyed) return;
    this.emit('error', err);
    this.close();
  }
}
