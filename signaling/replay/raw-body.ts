// Reading an upload's bytes with a size limit, and inflating a compressed
// events upload (`Content-Encoding: gzip` or `deflate`) with a second limit.

import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { CwmnError, ErrorCode } from '../../src/protocol/index.js';

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);

const tooLarge = (maxBytes: number) => new CwmnError(ErrorCode.TOO_LARGE, `The request body exceeds ${maxBytes} bytes`);

/** Reads a body of at most `maxBytes` bytes; `ERR_TOO_LARGE` past it (the rest is drained, not kept). */
export function readRawBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.reject(tooLarge(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > maxBytes) {
        settled = true;
        reject(tooLarge(maxBytes));
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (!settled) resolve(Buffer.concat(chunks));
      settled = true;
    });
    req.on('error', (err) => {
      if (!settled) reject(err);
      settled = true;
    });
  });
}

/** Undoes `Content-Encoding` (none, gzip, deflate) with an inflated-size limit. */
export async function decodeBody(body: Buffer, encoding: string | undefined, maxInflatedBytes: number): Promise<Buffer> {
  const name = (encoding ?? 'identity').trim().toLowerCase();
  if (name === 'identity' || name === '') return body;
  const options = { maxOutputLength: maxInflatedBytes };
  try {
    if (name === 'gzip') return await gunzip(body, options);
    if (name === 'deflate') return await inflate(body, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxInflatedBytes);
    throw new CwmnError(ErrorCode.INVALID_PARAMS, `The body is not valid ${name} data`);
  }
  throw new CwmnError(ErrorCode.INVALID_PARAMS, `Unsupported Content-Encoding: ${name} (use gzip or deflate)`);
}

/** Parses a JSON body; an empty body is `{}` when `emptyIsObject`. */
export function parseJson(body: Buffer, emptyIsObject = false): unknown {
  if (body.length === 0 && emptyIsObject) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new CwmnError(ErrorCode.INVALID_PARAMS, 'The request body is not valid JSON');
  }
}
