// Reading a request body with a size limit: JSON (the API) or form-encoded
// (pages that work without script).

import type { IncomingMessage } from 'node:http';
import { CwmnError, ErrorCode } from '../../src/protocol/index.js';

/**
 * Reads a body of at most `maxBytes` bytes. Throws `ERR_TOO_LARGE` past the
 * limit (the rest is drained, not kept).
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => new CwmnError(ErrorCode.TOO_LARGE, `The request body exceeds ${maxBytes} bytes`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return; // Past the limit: drain and drop.
      size += chunk.length;
      if (size > maxBytes) settle(() => reject(tooLarge()));
      else chunks.push(chunk);
    });
    req.on('end', () => settle(() => resolve(Buffer.concat(chunks))));
    req.on('error', (err) => settle(() => reject(err)));
  });
}

/**
 * Reads and parses a JSON body of at most `maxBytes` bytes. Throws
 * `ERR_TOO_LARGE` past the limit and `ERR_INVALID_PARAMS` for a body that is not JSON.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const body = await readBody(req, maxBytes);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new CwmnError(ErrorCode.INVALID_PARAMS, 'The request body is not valid JSON');
  }
}

/** Reads an `application/x-www-form-urlencoded` body of at most `maxBytes` bytes. */
export async function readFormBody(req: IncomingMessage, maxBytes: number): Promise<URLSearchParams> {
  return new URLSearchParams((await readBody(req, maxBytes)).toString('utf8'));
}
