import { describe, expect, it } from 'vitest';
import { hostForUrl, hostNameOf, isHostName, isWildcardHost } from '../../../signaling/http/host-name.js';

describe('hostNameOf', () => {
  it('takes the host name of a Host header, lower-cased, without port or brackets', () => {
    expect(hostNameOf('127.0.0.1:8080')).toBe('127.0.0.1');
    expect(hostNameOf('Co.Example.ORG')).toBe('co.example.org');
    expect(hostNameOf('localhost:8080')).toBe('localhost');
    expect(hostNameOf('[::1]:8080')).toBe('::1');
    expect(hostNameOf('[2001:DB8::1]')).toBe('2001:db8::1');
    expect(hostNameOf('cwmn.example.')).toBe('cwmn.example.');
  });

  it('refuses anything that is not a host name or an IP literal', () => {
    for (const bad of [
      undefined, '', ' ', ':8080', 'a b', 'user@host', 'host/path', 'host?x', 'host:99999', 'host:0', 'host:', '::1', '[::1', '[not-v6]:80',
      '[127.0.0.1]', '-lead.example', 'trail-.example', 'under_score.example', 'a..b', '999.1.1.1', '1.2.3', `${'a'.repeat(64)}.example`,
      'stun:x', 'host:80:80', 'ex%41mple.com',
    ]) {
      expect(hostNameOf(bad), String(bad)).toBeNull();
    }
  });
});

describe('host name helpers', () => {
  it('accepts DNS names and bare IP addresses', () => {
    expect(['turn.example.com', 'localhost', '192.0.2.1', '::1', 'xn--bcher-kva.example'].every(isHostName)).toBe(true);
    expect(['', '.', 'a_b', '[::1]', '1.2.3'].some(isHostName)).toBe(false);
  });

  it('brackets IPv6 addresses for URLs and knows the wildcards', () => {
    expect([hostForUrl('::1'), hostForUrl('192.0.2.1'), hostForUrl('co.example')]).toEqual(['[::1]', '192.0.2.1', 'co.example']);
    expect(['0.0.0.0', '::'].every(isWildcardHost)).toBe(true);
    expect(['127.0.0.1', '::1', 'localhost'].some(isWildcardHost)).toBe(false);
  });
});
