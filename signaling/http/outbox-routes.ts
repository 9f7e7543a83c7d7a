// `/outbox` (HTML) and `/outbox.json`: the development outbox, served only
// while a channel uses it. For development: it lists working invite links.

import type { Outbox } from '../delivery/outbox.js';
import { OUTBOX_CSP, renderOutboxPage } from '../delivery/outbox-page.js';
import { sendJson } from './respond.js';
import type { Router } from './router.js';

/** Path of the outbox page. */
export const OUTBOX_PATH = '/outbox';

/** Adds the outbox routes to `router`. */
export function addOutboxRoutes(router: Router, outbox: Outbox): void {
  router.on('GET', OUTBOX_PATH, async ({ res }) => {
    const html = renderOutboxPage(await outbox.list());
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(html),
      'Content-Security-Policy': OUTBOX_CSP,
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
    });
    res.end(html);
  });
  router.on('GET', `${OUTBOX_PATH}.json`, async ({ res }) => {
    sendJson(res, 200, { messages: await outbox.list() }, { 'Referrer-Policy': 'no-referrer' });
  });
}
