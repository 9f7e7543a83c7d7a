// Bundles bench/store-load.ts (with the server it starts) for Node, then runs
// it. Usage: node bench/store-load.mjs [sessions]
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist/bench/store-load.mjs');

await build({
  entryPoints: [join(root, 'bench/store-load.ts')], outfile, bundle: true,
  platform: 'node', format: 'esm', target: ['node20'], packages: 'external', sourcemap: true, logLevel: 'warning',
});
await import(pathToFileURL(outfile).href);
