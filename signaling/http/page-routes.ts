// Static pages and bundles: the embed script, the guest viewer (and its invite
// page), the demo site.

import path from 'node:path';
import { LINK_PATH_PREFIX } from '../links.js';
import { sendRedirect, sendText } from './respond.js';
import type { Router } from './router.js';
import { sendFile, serveStatic } from './static-files.js';

/** Public path of the embed script. */
export const EMBED_PATH = '/clickwithmenow-api.js';

/**
 * Policy of the invite page. The mirror iframe inherits it: it must load the
 * host page's images, styles and fonts from anywhere, but never run a script.
 */
export const VIEWER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline' *",
  'img-src * data: blob:',
  'font-src * data:',
  'media-src * data: blob:',
  "connect-src 'self' ws: wss:",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
].join('; ');

/** Adds the embed, viewer, invite page, demo and root redirect to `router`; files come from `rootDir`. */
export function addPageRoutes(router: Router, rootDir: string): void {
  const embedDir = path.join(rootDir, 'dist', 'embed');
  const viewerDir = path.join(rootDir, 'dist', 'viewer');
  const demoDir = path.join(rootDir, 'demo');

  router.on('GET', EMBED_PATH, async (ctx) => {
    const served = await sendFile(ctx, embedDir, path.join(embedDir, 'clickwithmenow-api.js'), {
      'Access-Control-Allow-Origin': '*',
      'Cross-Origin-Resource-Policy': 'cross-origin',
    });
    if (!served) sendText(ctx.res, 503, 'The embed script is not built yet: run `npm run build` on the server.\n');
  });

  router.on('GET', /^\/viewer\/(.*)$/, (ctx) => serveStatic(ctx, viewerDir, ctx.params[0] ?? ''));

  // Any token gets the page: the GET neither looks the token up nor spends it
  // (mail scanners prefetch links); the viewer's script presents it over the socket.
  router.on('GET', new RegExp(`^${LINK_PATH_PREFIX}[^/]+$`), async (ctx) => {
    const served = await sendFile(ctx, viewerDir, path.join(viewerDir, 'index.html'), {
      'Content-Security-Policy': VIEWER_CSP,
      'Referrer-Policy': 'no-referrer',
    });
    if (!served) sendText(ctx.res, 503, 'The guest viewer is not built yet: run `npm run build` on the server.\n');
  });

  router.on('GET', '/demo', (ctx) => sendRedirect(ctx.res, 301, `/demo/${ctx.url.search}`));
  router.on('GET', /^\/demo\/(.*)$/, (ctx) => serveStatic(ctx, demoDir, ctx.params[0] ?? ''));
  router.on('GET', '/', (ctx) => sendRedirect(ctx.res, 302, '/demo/'));
}
