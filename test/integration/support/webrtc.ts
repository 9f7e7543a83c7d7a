// WebRTC in Node for tests: node-datachannel's polyfill.
import { RTCPeerConnection as PolyfillPeerConnection } from 'node-datachannel/polyfill';

/** An RTCPeerConnection constructor for `Peer` in Node. */
export const NodePeerConnection = PolyfillPeerConnection as unknown as typeof globalThis.RTCPeerConnection;
