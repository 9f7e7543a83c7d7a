// `npm run bench`: bundles bench/bench.ts (with the harness and the server it
// starts) for Node, then runs it. Usage: node bench/run.mjs
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist/bench/bench.mjs');

await build({
  entryPoints: [join(root, 'bench/bench.ts')], outfile, bundle: true,
  platform: 'node', format: 'esm', target: ['node20'], packages: 'external', sourcemap: true, logLevel: 'warning',
});
await import(pathToFileURL(outfile).href);
