// Entry point of the server (bundled to dist/server/main.js): reads the
// configuration from the environment, starts, and stops cleanly on a signal.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './config.js';
import { findRootDir } from './root-dir.js';
import { startServer } from './server.js';

async function main(): Promise<void> {
  const rootDir = process.env.CWMN_ROOT
    ? path.resolve(process.env.CWMN_ROOT)
    : findRootDir(path.dirname(fileURLToPath(import.meta.url)));
  const config = loadConfig(process.env, rootDir);
  const server = await startServer(config);
  config.log(`demo: ${server.url}/demo/`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1); // A second signal: give up waiting.
    stopping = true;
    config.log(`${signal}: stopping; clients are told to reconnect (to another server, behind a load balancer)`);
    setTimeout(() => {
      config.log(`${signal}: not stopped within CWMN_DRAIN_SECONDS (${config.drainSeconds} s): exiting anyway`, { level: 'warn' });
      process.exit(1);
    }, config.drainSeconds * 1000).unref();
    server.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Without TLS, SIGHUP keeps its default meaning (the process ends, e.g. with its terminal).
  if (config.tls) process.on('SIGHUP', () => server.reloadTls());
}

main().catch((err: unknown) => {
  console.error(`cwmn server failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
