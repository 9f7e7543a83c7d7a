// Structurally valid messages of every wire, the seeds the mutators start from.
// Typed against the protocol, so a change of the protocol shows up here.

import {
  PROTOCOL_VERSION,
  type GuestDomMessage, type GuestPointerMessage, type GuestToServer, type HostDomMessage, type HostPointerMessage,
  type HostToServer, type ServerToGuest, type ServerToHost,
} from '../../../src/protocol/index.js';
import type { JsonValue } from './generators.js';

const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n';
const CANDIDATE = 'candidate:1 1 UDP 2122252543 127.0.0.1 50000 typ host';

/** Ids and tokens the templates use; the server fuzz swaps in real ones. */
export interface TemplateIds {
  sessionId: string;
  hostToken: string;
  guestId: string;
  linkToken: string;
  resumeToken: string;
}

export const PLACEHOLDER_IDS: TemplateIds = {
  sessionId: 'session01', hostToken: 'T'.repeat(32), guestId: 'guest01', linkToken: 'L'.repeat(32), resumeToken: 'R'.repeat(32),
};

export function hostToServer(ids: TemplateIds, rid: number): HostToServer[] {
  return [
    { type: 'host-hello', v: PROTOCOL_VERSION, sessionId: ids.sessionId, hostToken: ids.hostToken },
    { type: 'create-link', rid },
    { type: 'end-session', rid },
    { type: 'remove-guest', rid, guestId: ids.guestId },
    { type: 'set-public-link', rid, enabled: true },
    { type: 'invite-guest', rid, invite: { guestName: 'Gus', guestEmail: 'gus@example.com', message: 'Hi' } },
    { type: 'invite-guest', rid, invite: { guestName: 'Gus', guestPhone: '+13145550000', message: '' } },
    { type: 'signal', to: ids.guestId, data: { description: { type: 'offer', sdp: SDP } } },
    { type: 'signal', to: ids.guestId, data: { candidate: { candidate: CANDIDATE, sdpMid: '0', sdpMLineIndex: 0 } } },
    { type: 'signal', to: ids.guestId, data: { candidate: null } },
  ];
}

export function guestToServer(ids: TemplateIds): GuestToServer[] {
  return [
    { type: 'guest-join', v: PROTOCOL_VERSION, token: ids.linkToken, name: 'Gina' },
    { type: 'guest-resume', v: PROTOCOL_VERSION, guestId: ids.guestId, resumeToken: ids.resumeToken },
    { type: 'signal', data: { description: { type: 'answer', sdp: SDP } } },
    { type: 'signal', data: { candidate: { candidate: CANDIDATE, sdpMid: '0', sdpMLineIndex: 0 } } },
    { type: 'signal', data: { candidate: null } },
  ];
}

const SESSION = {
  sessionId: 'session01', isReplay: false, hostName: 'Ada', hostEmail: 'ada@example.com',
  startedAt: 1_700_000_000_000, expiresAt: 1_700_003_600_000, guestCount: 1,
};

export function serverToHost(): ServerToHost[] {
  return [
    {
      type: 'welcome', session: SESSION, guests: [{ id: 'guest01', name: 'Gina', joinedAt: 1_700_000_000_000 }],
      iceServers: [{ urls: 'stun:stun.example.com' }], publicLink: { enabled: false, url: null }, relay: 'auto', relayFanoutGuests: 8,
    },
    { type: 'reply', rid: 1, ok: true, result: { url: 'http://127.0.0.1/s/x', expiresAt: 1 } },
    { type: 'reply', rid: 2, ok: false, error: { code: 'ERR_NOT_FOUND', message: 'No such guest' } },
    { type: 'guest-joined', guest: { id: 'guest01', name: 'Gina', joinedAt: 1_700_000_000_000 } },
    { type: 'guest-left', guestId: 'guest01' },
    { type: 'signal', from: 'guest01', data: { description: { type: 'answer', sdp: SDP } } },
    { type: 'session-ended', reason: 'expired' },
    { type: 'error', error: { code: 'ERR_PROTOCOL', message: 'Bad' } },
  ];
}

export function serverToGuest(): ServerToGuest[] {
  return [
    { type: 'joined', guestId: 'guest01', sessionId: 'session01', hostName: 'Ada', iceServers: [], relay: 'auto', resumeToken: 'R'.repeat(32) },
    { type: 'signal', data: { relay: { reason: 'blocked' } } },
    { type: 'signal', data: { candidate: { candidate: CANDIDATE, sdpMid: '0', sdpMLineIndex: 0 } } },
    { type: 'session-ended', reason: 'removed' },
    { type: 'error', error: { code: 'ERR_LINK_USED', message: 'Used' } },
  ];
}

/** A small but real rrweb stream: Meta, FullSnapshot, a mutation, a mouse move. */
function wireEvents(): JsonValue[] {
  return [
    { type: 4, data: { href: 'http://site.example/', width: 1000, height: 700 }, timestamp: 1_700_000_000_000 },
    {
      type: 2, timestamp: 1_700_000_000_001,
      data: {
        node: {
          type: 0, id: 1, childNodes: [
            { type: 1, name: 'html', publicId: '', systemId: '', id: 2 },
            { type: 2, tagName: 'html', attributes: {}, id: 3, childNodes: [{ type: 2, tagName: 'body', attributes: {}, id: 4, childNodes: [] }] },
          ],
        },
        initialOffset: { left: 0, top: 0 },
      },
    },
    { type: 3, timestamp: 1_700_000_000_002, data: { source: 0, texts: [], attributes: [], removes: [], adds: [] } },
    { type: 3, timestamp: 1_700_000_000_003, data: { source: 1, positions: [{ x: 10, y: 20, id: 4, timeOffset: 0 }] } },
  ];
}

export function hostDom(): JsonValue[] {
  const messages: HostDomMessage[] = [{ t: 'guest-state', isHidden: true }, { t: 'sharing', paused: false }];
  return [{ t: 'events', events: wireEvents() }, ...(messages as unknown as JsonValue[])];
}

export function hostPointer(): HostPointerMessage[] {
  return [
    { t: 'pointers', pointers: [{ id: 'guest01', name: 'Gina', x: 10, y: 20 }, { id: 'guest02', name: 'Gus', x: 0, y: 0 }] },
    { t: 'click', id: 'guest01', x: 5, y: 6 },
  ];
}

export function guestPointer(): GuestPointerMessage[] {
  return [{ t: 'pointer', x: 100, y: 200 }, { t: 'click', x: 3.5, y: 999_999 }];
}

export function guestDom(): GuestDomMessage[] {
  return [{ t: 'resync' }];
}
