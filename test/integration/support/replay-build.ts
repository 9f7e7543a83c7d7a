// Builds the replay render worker, the render page and the `npm run worker`
// entry from the current sources, as esbuild.mjs does, into a `dist/` under
// node_modules/.cache (bare imports resolve from there; `CWMN_ROOT` names it),
// so replay tests never run a stale `dist/`.

import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from './server.js';

/** The root the test builds go under (`CWMN_ROOT` of a worker process). */
const ROOT = path.join(REPO_ROOT, 'node_modules/.cache/cwmn-replay-test');
const OUT = path.join(ROOT, 'dist');

/** Paths for `replayWorkerPath` and `replayPageDir`, and of the render worker process's entry. */
export interface ReplayBundles {
  workerPath: string;
  pageDir: string;
  /** `dist/server/worker.js`: run it with `CWMN_ROOT` = `root`. */
  renderWorkerMain: string;
  root: string;
}

/** Bundles the worker (Node, ESM, packages external) and the render page (browser IIFE). */
export async function buildReplayBundles(): Promise<ReplayBundles> {
  const workerPath = path.join(OUT, 'server/replay-worker.js');
  const pageDir = path.join(OUT, 'replay-render');
  const renderWorkerMain = path.join(OUT, 'server/worker.js');
  await Promise.all([
    build({
      entryPoints: [path.join(REPO_ROOT, 'signaling/worker.ts')], outfile: renderWorkerMain, bundle: true, format: 'esm',
      platform: 'node', target: ['node20'], packages: 'external', logLevel: 'warning',
    }),
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
  return { workerPath, pageDir, renderWorkerMain, root: ROOT };
}
