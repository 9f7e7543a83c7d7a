// The URL of an incoming request, or null when its target is not a URL at all
// (raw clients can send anything, e.g. `//` or `http://[`): never a throw.

import type { IncomingMessage } from 'node:http';

export function requestUrl(req: IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return null;
  }
}
