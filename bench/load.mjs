// `npm run load`: bundles bench/load.ts and its client processes for Node,
// then runs the load tool. Usage: node bench/load.mjs (after `node esbuild.mjs`).
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const options = { bundle: true, platform: 'node', format: 'esm', target: ['node20'], packages: 'external', sourcemap: true, logLevel: 'warning' };
await build({ ...options, entryPoints: [join(root, 'bench/load/host-client.ts')], outfile: join(root, 'dist/bench/load-host-client.mjs') });
await build({ ...options, entryPoints: [join(root, 'bench/load/peer-client.ts')], outfile: join(root, 'dist/bench/load-peer-client.mjs') });
await build({ ...options, entryPoints: [join(root, 'bench/load.ts')], outfile: join(root, 'dist/bench/load.mjs') });
await import(pathToFileURL(join(root, 'dist/bench/load.mjs')).href);
