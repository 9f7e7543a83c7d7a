import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CwmnError } from '../../../../src/protocol/index.js';
import type { TurnConfig } from '../../../../signaling/config.js';
import { fallbackStunHost, IceProvider, type IceProviderOptions } from '../../../../signaling/ice/ice-provider.js';
import type { SessionRecord } from '../../../../signaling/state/records.js';

const NOW = 1_700_000_000_000;
const TURN: TurnConfig = { urls: ['turn:turn.example.com:3478?transport=tcp'], secret: 'a-secret-of-16-chars-at-least' };

function session(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: 'session01abcdef', isReplay: false, hostName: 'Ada', hostEmail: 'ada@example.com', origin: 'https://shop.example',
    hostTokenHash: 'h', startedAt: NOW - 1000, expiresAt: NOW + 3_600_500, endedAt: null, endReason: null, guestSeq: 0,
    publicLinkToken: null, removedGuestIds: [], ...overrides,
  };
}

function provider(options: Partial<IceProviderOptions> = {}): IceProvider {
  return new IceProvider({ configured: null, stunPort: 3478, fallbackHost: 'cwmn.example', turn: null, now: () => NOW, ...options });
}

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    return (err as CwmnError).code;
  }
  return 'no error';
}

describe('IceProvider', () => {
  it('sends clients to the built-in STUN server under the host name they reached', () => {
    const ice = provider();
    expect(ice.forHost(session(), 'co.example.org')).toEqual([{ urls: 'stun:co.example.org:3478' }]);
    expect(ice.forGuest(session(), 'guest01', '192.0.2.7')).toEqual([{ urls: 'stun:192.0.2.7:3478' }]);
    expect(ice.forGuest(session(), 'guest01', '2001:db8::1')).toEqual([{ urls: 'stun:[2001:db8::1]:3478' }]);
  });

  it('falls back to the configured name, and gives no STUN entry without a name or with STUN off', () => {
    expect(provider().forHost(session(), null)).toEqual([{ urls: 'stun:cwmn.example:3478' }]);
    expect(provider({ fallbackHost: null }).forHost(session(), null)).toEqual([]);
    expect(provider({ stunPort: null }).forHost(session(), 'co.example.org')).toEqual([]);
  });

  it('mints a TURN credential per host and per guest that expires with the session (in seconds, rounded down)', () => {
    const ice = provider({ turn: TURN });
    const [stun, hostTurn] = ice.forHost(session(), 'co.example.org');
    expect(stun).toEqual({ urls: 'stun:co.example.org:3478' });
    const expiry = Math.floor(session().expiresAt / 1000);
    expect(hostTurn).toEqual({
      urls: TURN.urls,
      username: `${expiry}:session01abcdef`,
      credential: createHmac('sha1', TURN.secret).update(`${expiry}:session01abcdef`).digest('base64'),
    });
    const guestTurn = ice.forGuest(session(), 'guest01', 'co.example.org')[1];
    expect(guestTurn?.username).toBe(`${expiry}:guest01`);
    expect(guestTurn?.credential).not.toBe(hostTurn?.credential);
    expect(JSON.stringify([hostTurn, guestTurn])).not.toContain(TURN.secret);
  });

  it('ends a replay session\'s credentials with its recording (its expiresAt)', () => {
    const replay = session({ isReplay: true, expiresAt: NOW + 600_000 });
    const turn = provider({ turn: TURN }).forHost(replay, null)[1];
    expect(turn?.username).toBe(`${Math.floor(replay.expiresAt / 1000)}:session01abcdef`);
  });

  it('hands CWMN_ICE_SERVERS out exactly as written, even []', () => {
    const configured = [{ urls: ['turn:t.example'], username: 'u', credential: 'p' }];
    expect(provider({ configured, turn: TURN }).forHost(session(), 'co.example.org')).toEqual(configured);
    expect(provider({ configured: [] }).forGuest(session(), 'guest01', 'co.example.org')).toEqual([]);
  });

  it('refuses an ended or overdue session (and so mints nothing for it)', () => {
    const ice = provider({ turn: TURN });
    const ended = session({ endedAt: NOW - 10, endReason: 'host-ended' });
    expect(codeOf(() => ice.forHost(ended, null))).toBe('ERR_SESSION_ENDED');
    expect(codeOf(() => ice.forGuest(ended, 'guest01', null))).toBe('ERR_SESSION_ENDED');
    expect(codeOf(() => ice.forGuest(session({ expiresAt: NOW }), 'guest01', null))).toBe('ERR_SESSION_ENDED');
  });
});

describe('fallbackStunHost', () => {
  it('takes CWMN_PUBLIC_URL\'s host name, else HOST unless it is a wildcard', () => {
    expect(fallbackStunHost('https://co.example.org/base', '0.0.0.0')).toBe('co.example.org');
    expect(fallbackStunHost('http://[2001:db8::1]:8080', '::')).toBe('2001:db8::1');
    expect(fallbackStunHost(null, '192.0.2.7')).toBe('192.0.2.7');
    expect(fallbackStunHost(null, '0.0.0.0')).toBeNull();
    expect(fallbackStunHost(null, '::')).toBeNull();
  });
});
