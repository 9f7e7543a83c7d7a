// `npm start`: builds what the server serves (esbuild takes about a second, so
// it always rebuilds: nothing stale is ever served), then runs the server.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const build = spawnSync(process.execPath, [join(root, 'esbuild.mjs'), '--no-types'], { stdio: 'inherit', cwd: root });
if (build.status !== 0) process.exit(build.status ?? 1);
await import(join(root, 'dist/server/main.js'));
