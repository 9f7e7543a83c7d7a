import { afterEach, expect, it } from 'vitest';
import { Peer } from '../../../src/peer/peer.js';
import { newLinkSecret } from '../../../src/peer/sdp-auth.js';
import type { SignalData } from '../../../src/protocol/index.js';
import { NodePeerConnection, within, withRetries } from '../../integration/support/webrtc.js';

const peers: Peer[] = [];
afterEach(() => {
  for (const p of peers.splice(0)) p.close();
});

it('sends its description before any ICE candidate, even when signing the description takes time', async () => {
  const secret = newLinkSecret();
  const { fromHost, fromGuest } = await withRetries('signal order', async () => {
    const host = new Peer({ initiator: true, iceServers: [], secret, requireAuth: true, RTCPeerConnection: NodePeerConnection });
    const guest = new Peer({ initiator: false, iceServers: [], secret, requireAuth: true, RTCPeerConnection: NodePeerConnection });
    peers.push(host, guest);
    const sent = { fromHost: [] as SignalData[], fromGuest: [] as SignalData[] };
    host.on('signal', (d) => { sent.fromHost.push(d); void guest.handleSignal(d); });
    guest.on('signal', (d) => { sent.fromGuest.push(d); void host.handleSignal(d); });
    await within(Promise.all([new Promise<void>((r) => host.on('open', () => r())), new Promise<void>((r) => guest.on('open', () => r()))]),
      'host and guest');
    return sent;
  });
  for (const sent of [fromHost, fromGuest]) {
    expect(sent.length).toBeGreaterThan(1);
    expect('description' in sent[0]!).toBe(true);
  }
});
