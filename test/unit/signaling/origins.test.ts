import { describe, expect, it } from 'vitest';
import { normalizeOrigin, OriginPolicy } from '../../../signaling/origins.js';

describe('normalizeOrigin', () => {
  it('canonicalizes http(s) origins and refuses anything else', () => {
    expect(normalizeOrigin('HTTPS://Shop.Example:443')).toBe('https://shop.example');
    expect(normalizeOrigin('http://a.example:8080/')).toBe('http://a.example:8080');
    for (const bad of ['', 'null', 'a.example', 'ftp://a.example', 'https://a.example/x', 'https://u:p@a.example', 'https://a.example?q', undefined, null]) {
      expect(normalizeOrigin(bad)).toBeNull();
    }
  });
});

describe('OriginPolicy', () => {
  const own = ['http://127.0.0.1:8080', 'https://co.example/base'];

  it('allows every origin (even none) when no list is set', () => {
    const p = new OriginPolicy([], own);
    expect(p.isOpen).toBe(true);
    expect(p.isAllowed('https://any.example')).toBe(true);
    expect(p.isAllowed(undefined)).toBe(true);
    expect(p.isAllowed('null')).toBe(true);
  });

  it('allows listed origins and its own, nothing else, when a list is set', () => {
    const p = new OriginPolicy(['https://shop.example'], own);
    expect(p.isAllowed('https://shop.example')).toBe(true);
    expect(p.isAllowed('https://SHOP.example:443')).toBe(true);
    expect(p.isAllowed('http://127.0.0.1:8080')).toBe(true);
    expect(p.isAllowed('https://co.example')).toBe(true);
    expect(p.isOwn('https://co.example')).toBe(true);
    expect(p.isOwn('https://shop.example')).toBe(false);
    for (const refused of ['https://evil.example', 'http://shop.example', 'https://shop.example.evil.example', 'null', undefined]) {
      expect(p.isAllowed(refused)).toBe(false);
    }
  });

  it('reflects allowed origins in CORS headers and grants nothing otherwise', () => {
    const p = new OriginPolicy(['https://shop.example'], own);
    expect(p.corsHeaders('https://shop.example')).toEqual({ 'Access-Control-Allow-Origin': 'https://shop.example', Vary: 'Origin' });
    expect(p.corsHeaders('https://evil.example')).toEqual({ Vary: 'Origin' });
    expect(p.preflightHeaders('https://shop.example')).toMatchObject({
      'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': 'Content-Type',
    });
  });
});
