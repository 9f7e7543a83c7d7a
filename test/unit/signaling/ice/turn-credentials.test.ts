import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { turnCredential, turnServer } from '../../../../signaling/ice/turn-credentials.js';

const SECRET = 'north-sea-turn-secret-2024';

describe('turnCredential', () => {
  it('matches a known vector (computed with openssl dgst -sha1 -hmac)', () => {
    expect(turnCredential(SECRET, 'session01abcdef', 1_700_000_000_000)).toEqual({
      username: '1700000000:session01abcdef',
      credential: 'mfwPf8TVmhRcxzERbMRSfOIUH10=',
    });
  });

  it('is base64(HMAC-SHA1(secret, username)) with the expiry in epoch seconds, rounded down', () => {
    const { username, credential } = turnCredential(SECRET, 'guestid-0123456', 1_700_000_000_999);
    expect(username).toBe('1700000000:guestid-0123456');
    expect(credential).toBe(createHmac('sha1', SECRET).update(username).digest('base64'));
    expect(credential).toBe('gEsqoVTdI5eLy5w2KdQ8IyVnxsM=');
  });

  it('differs per id, per expiry and per secret, and never contains the secret', () => {
    const base = turnCredential(SECRET, 'a', 2_000_000_000_000);
    expect(turnCredential(SECRET, 'b', 2_000_000_000_000).credential).not.toBe(base.credential);
    expect(turnCredential(SECRET, 'a', 2_000_000_001_000).credential).not.toBe(base.credential);
    expect(turnCredential(`${SECRET}!`, 'a', 2_000_000_000_000).credential).not.toBe(base.credential);
    expect(JSON.stringify(base)).not.toContain(SECRET);
  });
});

describe('turnServer', () => {
  it('gives every configured URL one credential', () => {
    const urls = ['turn:turn.example.com:3478?transport=udp', 'turns:turn.example.com:5349?transport=tcp'];
    const server = turnServer({ urls, secret: SECRET }, 'session01abcdef', 1_700_000_000_000);
    expect(server).toEqual({ urls, username: '1700000000:session01abcdef', credential: 'mfwPf8TVmhRcxzERbMRSfOIUH10=' });
    expect(server.urls).not.toBe(urls);
  });
});
