// One HTTP call to the cwmn server: no credentials, a time limit, and errors
// turned into CwmnErrors (the server's own code when it sent one).

import { CwmnError, ErrorCode, fromWireError, isErrorCode, isRecord } from '../protocol/index.js';

/** Requests to the server give up after this long. */
export const HTTP_TIMEOUT_MS = 10_000;

/** Sends a request and resolves with the parsed JSON answer of a 2xx response. */
export async function fetchJson(url: string, init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: BodyInit }): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, credentials: 'omit', signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  } catch (err) {
    throw new CwmnError(ErrorCode.NETWORK, 'The cwmn server could not be reached', { cause: err });
  }
  const json: unknown = await res.json().catch(() => undefined);
  if (res.ok) return json;
  const error = isRecord(json) && isRecord(json.error) ? json.error : undefined;
  if (error && isErrorCode(error.code) && typeof error.message === 'string') {
    throw fromWireError({ code: error.code, message: error.message });
  }
  throw new CwmnError(ErrorCode.SERVER, `The cwmn server answered ${res.status}`);
}
