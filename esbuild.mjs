// Builds every artifact and prints the browser bundles' gzip sizes against
// their budgets. Usage: node esbuild.mjs [--no-types]
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = dirname(fileURLToPath(import.meta.url));
const out = (...p) => join(root, 'dist', ...p);
const withTypes = !process.argv.includes('--no-types');

/** gzip budgets of the browser bundles, in bytes. */
const BUDGETS = {
  'embed/clickwithmenow-api.js': 120 * 1024,
  'viewer/viewer.js': 150 * 1024,
};

const browser = { bundle: true, minify: true, sourcemap: true, target: ['es2020'], format: 'iife', legalComments: 'none', logLevel: 'warning' };

await Promise.all([
  build({ ...browser, entryPoints: [join(root, 'src/host/global.ts')], outfile: out('embed/clickwithmenow-api.js') }),
  build({ ...browser, entryPoints: [join(root, 'src/viewer/main.ts')], outfile: out('viewer/viewer.js') }),
  build({
    entryPoints: [join(root, 'src/host/index.ts')], outfile: out('lib/index.js'), bundle: true, format: 'esm',
    platform: 'browser', target: ['es2020'], packages: 'external', sourcemap: true, logLevel: 'warning',
  }),
  build({
    entryPoints: [join(root, 'signaling/main.ts')], outfile: out('server/main.js'), bundle: true, format: 'esm',
    platform: 'node', target: ['node20'], packages: 'external', sourcemap: true, logLevel: 'warning',
  }),
  // The replay render worker (forked by the server) and the page it drives in headless Chromium.
  build({
    entryPoints: [join(root, 'signaling/replay/render-worker.ts')], outfile: out('server/replay-worker.js'), bundle: true, format: 'esm',
    platform: 'node', target: ['node20'], packages: 'external', sourcemap: true, logLevel: 'warning',
  }),
  build({ ...browser, entryPoints: [join(root, 'src/replay-render/main.ts')], outfile: out('replay-render/render.js') }),
]);

mkdirSync(out('viewer'), { recursive: true });
copyFileSync(join(root, 'src/viewer/index.html'), out('viewer/index.html'));
copyFileSync(join(root, 'src/viewer/viewer.css'), out('viewer/viewer.css'));
copyFileSync(join(root, 'src/replay-render/index.html'), out('replay-render/index.html'));
copyFileSync(join(root, 'src/replay-render/render.css'), out('replay-render/render.css'));

if (withTypes) {
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.lib.json')], { stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}

let over = false;
for (const [file, budget] of Object.entries(BUDGETS)) {
  const raw = readFileSync(out(file));
  const gz = gzipSync(raw, { level: 9 }).length;
  const ok = gz <= budget;
  over ||= !ok;
  console.log(`${file.padEnd(30)} ${(raw.length / 1024).toFixed(1).padStart(7)} KB  gzip ${(gz / 1024).toFixed(1).padStart(6)} KB / budget ${(budget / 1024).toFixed(0)} KB ${ok ? 'ok' : 'OVER BUDGET'}`);
}
if (over) process.exit(1);
