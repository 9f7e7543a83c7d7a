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

/** What browsers download, measured (gzip level 9, summed per file as served) against a budget in bytes where one is set. */
const SIZES = [
  { label: 'embed/clickwithmenow-api.js', files: ['embed/clickwithmenow-api.js'], budget: 120 * 1024 },
  // The viewer's part that joins runs before anything else: its size is time on every join.
  { label: 'viewer/viewer.js (joins)', files: ['viewer/viewer.js'], budget: 16 * 1024 },
  { label: 'viewer/mirror.js (replayer)', files: ['viewer/mirror.js'] },
  // A guest sees the page only once both parts are in.
  { label: 'viewer, both parts', files: ['viewer/viewer.js', 'viewer/mirror.js'], budget: 150 * 1024 },
];

const browser = { bundle: true, minify: true, sourcemap: true, target: ['es2020'], format: 'iife', legalComments: 'none', logLevel: 'warning' };

/**
 * The viewer is two ES modules built on their own: `viewer.js` joins the
 * session and loads `mirror.js` (rrweb's replayer) with import(), while the
 * page has it downloading already. Separate builds rather than code splitting:
 * splitting moves shared helpers into a third file that `viewer.js` would have
 * to fetch before it runs. Code both import is duplicated, so keep it small.
 */
const viewerMirrorApart = {
  name: 'viewer-mirror-apart',
  setup(b) {
    const mirror = join(root, 'src/viewer/mirror.js');
    b.onResolve({ filter: /(^|\/)mirror\.js$/ }, (args) =>
      (join(args.resolveDir, args.path) === mirror ? { path: './mirror.js', external: true } : undefined));
  },
};
const viewerPart = { ...browser, format: 'esm' };

await Promise.all([
  build({ ...browser, entryPoints: [join(root, 'src/host/global.ts')], outfile: out('embed/clickwithmenow-api.js') }),
  build({ ...viewerPart, entryPoints: [join(root, 'src/viewer/main.ts')], outfile: out('viewer/viewer.js'), plugins: [viewerMirrorApart] }),
  build({ ...viewerPart, entryPoints: [join(root, 'src/viewer/mirror.ts')], outfile: out('viewer/mirror.js') }),
  build({
    entryPoints: [join(root, 'src/host/index.ts')], outfile: out('lib/index.js'), bundle: true, format: 'esm',
    platform: 'browser', target: ['es2020'], packages: 'external', sourcemap: true, logLevel: 'warning',
  }),
  build({
    entryPoints: [join(root, 'signaling/main.ts')], outfile: out('server/main.js'), bundle: true, format: 'esm',
    platform: 'node', target: ['node20'], packages: 'external', sourcemap: true, logLevel: 'warning',
  }),
  // `npm run worker`: a render worker of a deployment on Redis.
  build({
    entryPoints: [join(root, 'signaling/worker.ts')], outfile: out('server/worker.js'), bundle: true, format: 'esm',
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
const kb = (n, width) => (n / 1024).toFixed(1).padStart(width);
for (const { label, files, budget } of SIZES) {
  let raw = 0;
  let gz = 0;
  for (const file of files) {
    const body = readFileSync(out(file));
    raw += body.length;
    gz += gzipSync(body, { level: 9 }).length;
  }
  const ok = budget === undefined || gz <= budget;
  over ||= !ok;
  const verdict = budget === undefined ? '' : ` / budget ${(budget / 1024).toFixed(0)} KB ${ok ? 'ok' : 'OVER BUDGET'}`;
  console.log(`${label.padEnd(30)} ${kb(raw, 7)} KB  gzip ${kb(gz, 6)} KB${verdict}`);
}
if (over) process.exit(1);
