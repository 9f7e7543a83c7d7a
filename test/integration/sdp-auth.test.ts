// A signaling server that tampers with negotiation cannot sit between host and
// guest when the link's secret (in its URL fragment) authenticates the DTLS
// fingerprints: real WebRTC peers in Node, relayed by an honest and by a
// tampering relay.

import { afterEach, describe, expect, it } from 'vitest';
import { Peer, type PeerOptions } from '../../src/peer/peer.js';
import { newLinkSecret, sdpFingerprints, signDescription } from '../../src/peer/sdp-auth.js';
import type { CwmnError, SignalData } from '../../src/protocol/index.js';
import { NodePeerConnection, within, withRetries } from './support/webrtc.js';

const peers: Peer[] = [];
afterEach(() => {
  for (const p of peers.splice(0)) p.close();
});

type PeerSettings = Omit<PeerOptions, 'iceServers' | 'RTCPeerConnection'>;

function peer(options: PeerSettings): Peer {
  const p = new Peer({ ...options, iceServers: [], RTCPeerConnection: NodePeerConnection });
  peers.push(p);
  return p;
}

/** Resolves 'open' or the error code, whichever comes first. */
function outcome(p: Peer): Promise<string> {
  return new Promise((resolve) => {
    p.on('open', () => resolve('open'));
    p.on('error', (e: CwmnError) => resolve(e.code));
  });
}

function relay(from: Peer, to: Peer, tamper: (d: SignalData) => Promise<SignalData | null> = async (d) => d): void {
  from.on('signal', (data) => {
    void tamper(data).then((d) => d && to.handleSignal(d));
  });
}

/** Relays both ways between a new host and guest until each is open or failed; tries fresh peers when neither happens. */
function negotiate(hostOptions: PeerSettings, guestOptions: PeerSettings): Promise<{ host: Peer; guest: Peer; outcomes: string[] }> {
  return withRetries('honest relay', async () => {
    const host = peer(hostOptions);
    const guest = peer(guestOptions);
    relay(host, guest);
    relay(guest, host);
    try {
      return { host, guest, outcomes: await within(Promise.all([outcome(host), outcome(guest)]), 'host and guest') };
    } catch (err) {
      host.close();
      guest.close();
      throw err;
    }
  });
}

describe('link secret authenticates the peer connection', () => {
  it('connects host and guest through an honest relay, both verified', async () => {
    const secret = newLinkSecret();
    const { host, guest, outcomes } = await negotiate({ initiator: true, secret, requireAuth: true }, { initiator: false, secret, requireAuth: true });
    expect(outcomes).toEqual(['open', 'open']);
    expect(host.verified && guest.verified).toBe(true);
  });

  it('refuses a relay that swaps in its own descriptions (man in the middle)', async () => {
    const secret = newLinkSecret();
    const host = peer({ initiator: true, secret, requireAuth: true });
    const guest = peer({ initiator: false, secret, requireAuth: true });
    const [hostOutcome, guestOutcome] = [outcome(host), outcome(guest)];
    // The tampering server's own peers: one poses as the host to the guest, one as the guest to the host.
    const fakeHost = peer({ initiator: true });
    const fakeGuest = peer({ initiator: false });
    const fakeOffer = new Promise<SignalData>((r) => fakeHost.on('signal', (d) => { if ('description' in d) r(d); }));
    const fakeAnswer = new Promise<SignalData>((r) => fakeGuest.on('signal', (d) => { if ('description' in d) r(d); }));
    // Host → guest: the offer is replaced by the fake host's, keeping the host's MAC (all it can do).
    relay(host, guest, async (d) => {
      if (!('description' in d)) return d;
      void fakeGuest.handleSignal(d);
      const swapped = await fakeOffer;
      if (!('description' in swapped)) return null;
      expect(sdpFingerprints(swapped.description.sdp)).not.toBe(sdpFingerprints(d.description.sdp));
      return { description: { ...swapped.description, auth: d.description.auth } };
    });
    // Guest → host: the fake guest's answer, with a MAC under a secret the server guessed.
    void fakeAnswer.then(async (swapped) => {
      if (!('description' in swapped)) return;
      const { type, sdp } = swapped.description;
      await host.handleSignal({ description: { type, sdp, auth: await signDescription(newLinkSecret(), type, sdp) } });
    });
    expect(await Promise.all([hostOutcome, guestOutcome])).toEqual(['ERR_PEER_CONNECTION', 'ERR_PEER_CONNECTION']);
    expect(guest.isOpen || host.isOpen).toBe(false);
  });

  it('refuses a description whose MAC was stripped, when the secret is required', async () => {
    const secret = newLinkSecret();
    const host = peer({ initiator: true, secret, requireAuth: true });
    const guest = peer({ initiator: false, secret, requireAuth: true });
    relay(host, guest, async (d) => ('description' in d ? { description: { type: d.description.type, sdp: d.description.sdp } } : d));
    relay(guest, host);
    expect(await outcome(guest)).toBe('ERR_PEER_CONNECTION');
  });

  it('lets a host that allows it accept a guest without the secret (a mailed link), unverified', async () => {
    const { host, outcomes } = await negotiate({ initiator: true, secret: newLinkSecret(), requireAuth: false }, { initiator: false });
    expect(outcomes).toEqual(['open', 'open']);
    expect(host.verified).toBe(false);
  });

  it('refuses a guest without the secret when the host requires it', async () => {
    const host = peer({ initiator: true, secret: newLinkSecret(), requireAuth: true });
    const guest = peer({ initiator: false });
    relay(host, guest);
    relay(guest, host);
    expect(await outcome(host)).toBe('ERR_PEER_CONNECTION');
  });
});
