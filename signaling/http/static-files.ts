// Serving files from a directory safely: no way out of the directory (no `..`,
// no hidden files, no symlinks pointing outside), content types, ETags.

import fs from 'node:fs/promises';
import type { OutgoingHttpHeaders } from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CwmnError, ErrorCode } from '../../src/protocol/index.js';
import { sendRedirect } from './respond.js';
import type { RequestContext } from './router.js';

/** Content types by file extension; anything else is `application/octet-stream`. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
};

/** The content type of a file name. */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Maps a percent-encoded path relative to `root` to a file path inside `root`,
 * or null when it is malformed or tries to leave `root` or reach a hidden file.
 */
export function resolveInside(root: string, encodedPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encodedPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s.startsWith('.'))) return null; // `..`, `.git`, `.env`, …
  const base = path.resolve(root);
  const file = path.resolve(base, ...segments);
  return file === base || file.startsWith(base + path.sep) ? file : null;
}

const notFound = () => new CwmnError(ErrorCode.NOT_FOUND, 'No such file');

/**
 * Sends one file (a regular file whose real path is inside `root`). Returns
 * false when there is no such file, without answering.
 */
export async function sendFile(ctx: RequestContext, root: string, file: string, headers: OutgoingHttpHeaders = {}): Promise<boolean> {
  let body: Buffer;
  let etag: string;
  try {
    const [realRoot, realFile] = await Promise.all([fs.realpath(root), fs.realpath(file)]);
    if (!realFile.startsWith(realRoot + path.sep)) return false;
    const stat = await fs.stat(realFile);
    if (!stat.isFile()) return false;
    etag = `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    body = await fs.readFile(realFile);
  } catch {
    return false;
  }
  const common = { ETag: etag, 'X-Content-Type-Options': 'nosniff', Vary: 'Accept-Encoding', ...headers };
  if (ctx.req.headers['if-none-match'] === etag) {
    ctx.res.writeHead(304, common);
    ctx.res.end();
    return true;
  }
  const type = contentTypeOf(file);
  const gzip = COMPRESSIBLE.test(type) && body.length >= 1024 && /\bgzip\b/.test(String(ctx.req.headers['accept-encoding'] ?? ''));
  const sent = gzip ? gzipped(file, etag, body) : body;
  ctx.res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': sent.length,
    'Cache-Control': 'no-cache',
    ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    ...common,
  });
  ctx.res.end(ctx.req.method === 'HEAD' ? undefined : sent);
  return true;
}

/** Text types worth compressing (scripts, styles, pages, JSON, SVG). */
const COMPRESSIBLE = /^(text\/|application\/(javascript|json)|image\/svg)/;
/** Gzipped bodies by file, kept until the file changes (its ETag). */
const gzipCache = new Map<string, { etag: string; body: Buffer }>();

function gzipped(file: string, etag: string, body: Buffer): Buffer {
  const hit = gzipCache.get(file);
  if (hit?.etag === etag) return hit.body;
  const compressed = gzipSync(body, { level: 9 });
  gzipCache.set(file, { etag, body: compressed });
  return compressed;
}

/**
 * Serves `encodedPath` (relative, percent-encoded) from `root`: a directory
 * path ending in `/` gives its `index.html`, one without the slash is
 * redirected to it; anything missing or unsafe is a 404.
 */
export async function serveStatic(ctx: RequestContext, root: string, encodedPath: string): Promise<void> {
  const file = resolveInside(root, encodedPath);
  if (!file) throw notFound();
  if (encodedPath === '' || encodedPath.endsWith('/')) {
    if (await sendFile(ctx, root, path.join(file, 'index.html'))) return;
    throw notFound();
  }
  if (await sendFile(ctx, root, file)) return;
  if (await isDirectory(file)) {
    sendRedirect(ctx.res, 301, `${ctx.url.pathname}/${ctx.url.search}`);
    return;
  }
  throw notFound();
}

async function isDirectory(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isDirectory();
  } catch {
    return false;
  }
}
