// Entry of `npm run worker` (bundled to dist/server/worker.js): a render worker
// of a deployment on Redis. Reads the same environment as the server
// (`CWMN_REDIS_URL`, `CWMN_REDIS_PREFIX`, `CWMN_DATA_DIR`, `CWMN_CHROMIUM_PATH`)
// and `CWMN_RENDER_CONCURRENCY`, `CWMN_RENDER_LOCK_SECONDS`; SIGTERM lets the
// renders in progress finish first.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CwmnError, ErrorCode } from '../src/protocol/index.js';
import { loadConfig } from './config.js';
import { startRenderWorker } from './replay/render-worker-process.js';
import { findRootDir } from './root-dir.js';

function count(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > max) throw new CwmnError(ErrorCode.INVALID_PARAMS, `${name} must be an integer from 1 to ${max}, got "${value}"`);
  return n;
}

async function main(): Promise<void> {
  const rootDir = process.env.CWMN_ROOT ? path.resolve(process.env.CWMN_ROOT) : findRootDir(path.dirname(fileURLToPath(import.meta.url)));
  const config = loadConfig(process.env, rootDir);
  if (!config.redisUrl) {
    throw new CwmnError(ErrorCode.INVALID_PARAMS, 'CWMN_REDIS_URL is not set: a render worker takes its renders from Redis (without it, the server renders itself)');
  }
  const worker = await startRenderWorker({
    redisUrl: config.redisUrl, redisPrefix: config.redisPrefix, dataDir: config.dataDir, chromiumPath: config.chromiumPath,
    childPath: config.replayWorkerPath, pageDir: config.replayPageDir,
    concurrency: count('CWMN_RENDER_CONCURRENCY', process.env.CWMN_RENDER_CONCURRENCY, 1, 16),
    lockMs: count('CWMN_RENDER_LOCK_SECONDS', process.env.CWMN_RENDER_LOCK_SECONDS, 30, 3600) * 1000,
    log: config.log,
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1); // A second signal: give up waiting.
    stopping = true;
    config.log(`${signal}: stopping once the renders in progress are done`);
    worker.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`cwmn render worker failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
