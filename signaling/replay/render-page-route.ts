// The page the renderer's headless browser replays a recording in, served from
// the built folder (`dist/replay-render`) under `RENDER_PAGE_PATH`: by the
// server for its own renders, by each render worker for the ones it takes.

import path from 'node:path';
import { CwmnError, ErrorCode } from '../../src/protocol/index.js';
import type { Router } from '../http/router.js';
import { sendFile, serveStatic } from '../http/static-files.js';
import { RENDER_PAGE_PATH } from './capture.js';

/** Policy of the render page: its own script only; the replayed page's images, styles, fonts and media (the worker filters hosts). */
export const RENDER_PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline' *",
  'img-src * data: blob:',
  'font-src * data:',
  'media-src * data: blob:',
  "connect-src 'none'",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Serves the render page of `pageRoot` under `RENDER_PAGE_PATH`. */
export function addRenderPageRoute(router: Router, pageRoot: string): void {
  router.on('GET', new RegExp(`^${RENDER_PAGE_PATH}(.*)$`), async (ctx) => {
    const name = ctx.params[0] ?? '';
    if (name === '' || name === 'index.html') {
      const served = await sendFile(ctx, pageRoot, path.join(pageRoot, 'index.html'), {
        'Content-Security-Policy': RENDER_PAGE_CSP, 'Referrer-Policy': 'no-referrer',
      });
      if (!served) throw new CwmnError(ErrorCode.NOT_FOUND, 'The replay render page is not built: run `npm run build`');
      return;
    }
    await serveStatic(ctx, pageRoot, name);
  });
}
