// Builds the replay render worker and render page from the current sources,
// as esbuild.mjs does, into node_modules/.cache (the worker's bare imports
// resolve from there), so replay tests never run a stale `dist/`.

import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from './server.js';

/** Where the test builds go. */
const OUT = path.join(REPO_ROOT, 'node_modules/.cache/cwmn-replay-test');

/** Paths for `replayWorkerPath` and `replayPageDir`. */
export interface ReplayBundles {
  workerPath: string;
  pageDir: string;
}

/** Bundles the worker (Node, ESM, packages external) and the render page (browser IIFE). */
export async function buildReplayBundles(): Promise<ReplayBundles> {
  const workerPath = path.join(OUT, 'server/replay-worker.js');
  const pageDir = path.join(OUT, 'replay-render');
  await Promise.all([
    build({
      entryPoints: [path.join(REPO_ROOT, 'signaling/replay/render-worker.ts')], outfile: workerPath, bundle: true, format: 'esm',
      platform: 'node', target: ['node20'], packages: 'external', logLevel: 'warning',
    }),
    build({
      entryPoints: [path.join(REPO_ROOT, 'src/replay-render/main.ts')], outfile: path.join(pageDir, 'render.js'), bundle: true,
      minify: true, target: ['es2020'], format: 'iife', logLevel: 'warning',
    }),
  ]);
  for (const name of ['index.html', 'render.css']) fs.copyFileSync(path.join(REPO_ROOT, 'src/replay-render', name), path.join(pageDir, name));
  // The worker bundle is ESM: make its folder say so.
  fs.writeFileSync(path.join(OUT, 'server/package.json'), '{"type":"module"}\n');
  return { workerPath, pageDir };
}
