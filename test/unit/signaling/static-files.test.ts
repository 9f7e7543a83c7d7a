import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentTypeOf, resolveInside } from '../../../signaling/http/static-files.js';

const ROOT = path.resolve('/srv/demo');

describe('resolveInside', () => {
  it('maps safe paths inside the root', () => {
    expect(resolveInside(ROOT, 'index.html')).toBe(path.join(ROOT, 'index.html'));
    expect(resolveInside(ROOT, 'a/b%20c.css')).toBe(path.join(ROOT, 'a', 'b c.css'));
    expect(resolveInside(ROOT, '')).toBe(ROOT);
    expect(resolveInside(ROOT, 'a//b/')).toBe(path.join(ROOT, 'a', 'b'));
  });

  it('refuses traversal, hidden files, NUL, backslashes and bad escapes', () => {
    for (const bad of ['..', '../x', 'a/../../x', '%2e%2e/x', '..%2fx', '.env', 'a/.git/config', 'x%00.html', '..%5cx', 'a\\b', '%E0%A4%A']) {
      expect(resolveInside(ROOT, bad), bad).toBeNull();
    }
  });
});

describe('contentTypeOf', () => {
  it('knows the web types and falls back to octet-stream', () => {
    expect(contentTypeOf('a.HTML')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('a.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('a.woff2')).toBe('font/woff2');
    expect(contentTypeOf('a.bin')).toBe('application/octet-stream');
    expect(contentTypeOf('Makefile')).toBe('application/octet-stream');
  });
});
