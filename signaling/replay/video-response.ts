// Serving a video file with HTTP range requests (what a `<video>` element
// needs to seek): 200 for the whole file, 206 for one range, 416 outside it.

import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { ServerResponse } from 'node:http';

/** A byte range, both ends included. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Parses a `Range` header against a file of `size` bytes: a range, null for
 * "send the whole file" (no header, another unit, several ranges, malformed),
 * or 'unsatisfiable' (416).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | null | 'unsatisfiable' {
  if (!header) return null;
  const m = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** Sends `file` as `video/mp4`, honouring `Range`; HEAD gets the headers only. */
export async function sendVideo(file: string, method: string | undefined, range: string | undefined, res: ServerResponse): Promise<boolean> {
  let size: number;
  try {
    size = (await fsp.stat(file)).size;
  } catch {
    return false;
  }
  const common = {
    'Content-Type': 'video/mp4',
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'private, max-age=3600',
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Resource-Policy': 'cross-origin',
    'Referrer-Policy': 'no-referrer',
  };
  const wanted = parseRange(range, size);
  if (wanted === 'unsatisfiable') {
    res.writeHead(416, { ...common, 'Content-Range': `bytes */${size}`, 'Content-Length': 0 });
    res.end();
    return true;
  }
  const { start, end } = wanted ?? { start: 0, end: size - 1 };
  res.writeHead(wanted ? 206 : 200, {
    ...common,
    'Content-Length': size === 0 ? 0 : end - start + 1,
    ...(wanted ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
  });
  if (method === 'HEAD' || size === 0) {
    res.end();
    return true;
  }
  await new Promise<void>((resolve) => {
    const stream = fs.createReadStream(file, { start, end });
    stream.on('error', () => { res.destroy(); resolve(); });
    res.on('close', () => { stream.destroy(); resolve(); });
    stream.pipe(res);
  });
  return true;
}
