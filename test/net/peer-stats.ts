// What a page's peer connections look like, from `getStats()`: which candidates
// each side gathered, which pair carries the data, and what went through each
// data channel. Pages must keep their peer connections (`keepPeerConnections`).

import type { Page } from 'playwright-core';

/** One end of an ICE candidate pair. */
export interface CandidateInfo {
  /** `host`, `srflx`, `prflx` or `relay`. */
  candidateType: string;
  address: string;
  port: number;
  protocol: string;
  /** For a `relay` candidate, how this side reaches its TURN server (`udp`, `tcp`). */
  relayProtocol?: string;
}

/** One data channel and what went through it. */
export interface ChannelInfo {
  label: string;
  state: string;
  messagesSent: number;
  messagesReceived: number;
  bytesSent: number;
  bytesReceived: number;
}

/** One peer connection of a page, now. */
export interface PeerState {
  connectionState: string;
  iceConnectionState: string;
  /** Types of the local candidates gathered, each once. */
  localTypes: string[];
  remoteTypes: string[];
  /** The pair the transport selected (Chromium's `selectedCandidatePairId`), when there is one. */
  selected?: { local: CandidateInfo; remote: CandidateInfo };
  channels: ChannelInfo[];
}

/** Every peer connection the page made, oldest first; [] when the page is gone. */
export function peerStates(page: Page): Promise<PeerState[]> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs?: RTCPeerConnection[] }).__pcs ?? [];
    return Promise.all(pcs.map(async (pc) => {
      const stats = new Map<string, Record<string, unknown>>();
      (await pc.getStats()).forEach((s: Record<string, unknown>) => stats.set(s.id as string, s));
      const all = [...stats.values()];
      const types = (kind: string) => [...new Set(all.filter((s) => s.type === kind).map((s) => String(s.candidateType)))];
      const transport = all.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
      const pair = stats.get(transport?.selectedCandidatePairId as string);
      const candidate = (id: unknown) => {
        const c = stats.get(id as string) ?? {};
        return {
          candidateType: String(c.candidateType), address: String(c.address), port: Number(c.port), protocol: String(c.protocol),
          ...(c.relayProtocol ? { relayProtocol: String(c.relayProtocol) } : {}),
        };
      };
      return {
        connectionState: pc.connectionState,
        iceConnectionState: pc.iceConnectionState,
        localTypes: types('local-candidate'),
        remoteTypes: types('remote-candidate'),
        ...(pair ? { selected: { local: candidate(pair.localCandidateId), remote: candidate(pair.remoteCandidateId) } } : {}),
        channels: all.filter((s) => s.type === 'data-channel').map((s) => ({
          label: String(s.label), state: String(s.state), messagesSent: Number(s.messagesSent), messagesReceived: Number(s.messagesReceived),
          bytesSent: Number(s.bytesSent), bytesReceived: Number(s.bytesReceived),
        })),
      };
    }));
  }).catch(() => []);
}

/** The connected peer connection of a page (the last one, if several), or undefined. */
export async function connectedPeer(page: Page): Promise<PeerState | undefined> {
  return (await peerStates(page)).filter((p) => p.connectionState === 'connected').at(-1);
}

/** Whether page data on this pair goes through a TURN server (a `relay` candidate on either end). */
export function throughTurn(pc: PeerState | undefined): boolean {
  return pc?.selected?.local.candidateType === 'relay' || pc?.selected?.remote.candidateType === 'relay';
}

/** The ICE username fragment of each peer connection's local description, oldest first: an ICE restart changes it. */
export function localIceUfrags(page: Page): Promise<(string | null)[]> {
  return page.evaluate(() => ((window as unknown as { __pcs?: RTCPeerConnection[] }).__pcs ?? [])
    .map((pc) => /^a=ice-ufrag:(\S+)/m.exec(pc.localDescription?.sdp ?? '')?.[1] ?? null)).catch(() => []);
}
