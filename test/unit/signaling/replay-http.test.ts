import { describe, expect, it } from 'vitest';
import { gzipSync, deflateSync } from 'node:zlib';
import { mayFetch } from '../../../signaling/replay/capture.js';
import { decodeBody, parseJson } from '../../../signaling/replay/raw-body.js';
import { bearerToken } from '../../../signaling/replay/replay-routes.js';
import { parseRange } from '../../../signaling/replay/video-response.js';

describe('parseRange', () => {
  it('reads one byte range, open-ended and suffix ranges, and clamps the end', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=500-', 1000)).toEqual({ start: 500, end: 999 });
    expect(parseRange('bytes=-100', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=-5000', 1000)).toEqual({ start: 0, end: 999 });
    expect(parseRange('bytes=900-5000', 1000)).toEqual({ start: 900, end: 999 });
  });

  it('sends the whole file for no, another, several or malformed ranges', () => {
    for (const header of [undefined, '', 'items=0-1', 'bytes=0-1,5-6', 'bytes=-', 'bytes=a-b']) expect(parseRange(header, 1000)).toBeNull();
  });

  it('says 416 for ranges outside the file', () => {
    expect(parseRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=5-4', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 1000)).toBe('unsatisfiable');
  });
});

describe('mayFetch (the render browser’s request filter)', () => {
  const page = 'http://127.0.0.1:8080/replay-render/';
  const site = new Set(['https://shop.example']);
  it('lets the render page load its own files', () => {
    expect(mayFetch('http://127.0.0.1:8080/replay-render/render.js', 'GET', 'script', page, site)).toBe(true);
  });
  it('lets the replayed page load images, styles, fonts and media from the recorded site only', () => {
    for (const type of ['image', 'stylesheet', 'font', 'media']) expect(mayFetch('https://shop.example/a', 'GET', type, page, site)).toBe(true);
    expect(mayFetch('https://shop.example/a', 'GET', 'document', page, site)).toBe(false);
    expect(mayFetch('https://shop.example/a', 'POST', 'image', page, site)).toBe(false);
    expect(mayFetch('https://other.example/a.png', 'GET', 'image', page, site)).toBe(false);
    expect(mayFetch('http://169.254.169.254/latest/meta-data', 'GET', 'image', page, site)).toBe(false);
  });
  it('refuses the rest of the server, other schemes and nonsense', () => {
    expect(mayFetch('http://127.0.0.1:8080/outbox', 'GET', 'image', page, site)).toBe(false);
    expect(mayFetch('http://127.0.0.1:8080/api/sessions', 'GET', 'fetch', page, site)).toBe(false);
    // A page recorded on the server's own origin (the demo) gets its files, not the server's private paths.
    const own = new Set(['http://127.0.0.1:8080']);
    expect(mayFetch('http://127.0.0.1:8080/demo/logo.png', 'GET', 'image', page, own)).toBe(true);
    for (const p of ['/outbox', '/outbox.json', '/api/domain', '/replays/abc.mp4', '/s/token']) {
      expect(mayFetch(`http://127.0.0.1:8080${p}`, 'GET', 'image', page, own)).toBe(false);
    }
    expect(mayFetch('file:///etc/passwd', 'GET', 'image', page, site)).toBe(false);
    expect(mayFetch('ftp://shop.example/x', 'GET', 'image', page, site)).toBe(false);
    expect(mayFetch('not a url', 'GET', 'image', page, site)).toBe(false);
    expect(mayFetch('data:image/png;base64,AAAA', 'GET', 'image', page, site)).toBe(true);
  });
});

describe('upload bodies', () => {
  it('reads the host token from a Bearer header only', () => {
    expect(bearerToken('Bearer abcdefghijklmnopqrstuvwx')).toBe('abcdefghijklmnopqrstuvwx');
    expect(bearerToken('bearer abcdefghijklmnopqrstuvwx ')).toBe('abcdefghijklmnopqrstuvwx');
    expect(bearerToken('Basic abcdefghijklmnopqrstuvwx')).toBeNull();
    expect(bearerToken('Bearer short')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });

  it('inflates gzip and deflate bodies within a limit', async () => {
    const text = JSON.stringify({ seq: 1, events: [] });
    expect((await decodeBody(gzipSync(text), 'gzip', 1000)).toString()).toBe(text);
    expect((await decodeBody(deflateSync(text), 'deflate', 1000)).toString()).toBe(text);
    expect((await decodeBody(Buffer.from(text), undefined, 1000)).toString()).toBe(text);
    await expect(decodeBody(gzipSync(Buffer.alloc(10_000)), 'gzip', 1000)).rejects.toMatchObject({ code: 'ERR_TOO_LARGE' });
    await expect(decodeBody(Buffer.from('nope'), 'gzip', 1000)).rejects.toMatchObject({ code: 'ERR_INVALID_PARAMS' });
    await expect(decodeBody(Buffer.from('x'), 'br', 1000)).rejects.toMatchObject({ code: 'ERR_INVALID_PARAMS' });
  });

  it('parses JSON, with an empty finish body as {}', () => {
    expect(parseJson(Buffer.alloc(0), true)).toEqual({});
    expect(() => parseJson(Buffer.alloc(0))).toThrow(/not valid JSON/);
  });
});
