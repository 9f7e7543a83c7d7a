import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { jsonLog, withoutContacts, withoutTokens } from '../../../signaling/ops/log.js';

describe('jsonLog', () => {
  it('writes one JSON line per event: level, time, message, and the ids as fields', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
    const log = jsonLog(out);
    log('guest joined', { sessionId: 'S1234567', guestId: 'G1234567' });
    log('render failed', { sessionId: 'S1234567', level: 'error' });
    await new Promise((r) => setImmediate(r));
    const lines = chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'guest joined', sessionId: 'S1234567', guestId: 'G1234567', pid: process.pid });
    expect(Number.isNaN(Date.parse(String(lines[0]!.time)))).toBe(false);
    expect(lines[1]).toMatchObject({ level: 'error', msg: 'render failed', sessionId: 'S1234567' });
    expect(lines[1]).not.toHaveProperty('guestId');
  });
});

describe('redaction helpers', () => {
  it('drop addresses and international numbers, and keep network addresses', () => {
    expect(withoutContacts('550 5.1.1 <bea@example.com>: Recipient address rejected'))
      .toBe('550 5.1.1 <<address>>: Recipient address rejected');
    expect(withoutContacts('to +1 314 555 0000 refused')).toBe('to <number> refused');
    expect(withoutContacts('connect ECONNREFUSED 127.0.0.1:2525')).toBe('connect ECONNREFUSED 127.0.0.1:2525');
  });

  it('replace token-like path segments', () => {
    expect(withoutTokens('/s/AbCdEfGhIjKlMnOpQrStUvWx')).toBe('/s/:token');
    expect(withoutTokens('/api/replays/abc/video')).toBe('/api/replays/abc/video');
  });
});
