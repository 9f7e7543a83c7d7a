// Starting real servers for tests: port 0, a temporary data dir, silent logs.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type ServerConfig } from '../../../signaling/config.js';
import { startServer, type RunningServer } from '../../../signaling/server.js';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A started test server and what a test needs to reach it. */
export interface TestServer extends RunningServer {
  config: ServerConfig;
  /** Where the server listens (`url` is its public URL, which may differ). */
  httpUrl: string;
  /** `ws://…/ws` */
  wsUrl: string;
  /** The server's own origin (the viewer's). */
  origin: string;
  /** Log lines written so far. */
  logs: string[];
}

const running = new Set<TestServer>();
const tempDirs = new Set<string>();

/** A new empty temporary directory, removed by `stopServers()`. */
export function tempDir(prefix = 'cwmn-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** Starts a server on a random port with its own data dir (unless `overrides.dataDir` is given). */
export async function startTestServer(overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
  const logs: string[] = [];
  const config: ServerConfig = {
    ...loadConfig({ PORT: '0', HOST: '127.0.0.1' }, REPO_ROOT),
    dataDir: tempDir(),
    log: (line) => logs.push(line),
    ...overrides,
  };
  const server = await startServer(config);
  const httpUrl = `http://127.0.0.1:${server.port}`;
  const test: TestServer = {
    ...server,
    config,
    httpUrl,
    wsUrl: `ws://127.0.0.1:${server.port}/ws`,
    origin: new URL(server.url).origin,
    logs,
  };
  running.add(test);
  return test;
}

/** Stops every server started by the test and removes the temporary directories. */
export async function stopServers(): Promise<void> {
  const servers = [...running];
  running.clear();
  await Promise.all(servers.map((s) => s.close()));
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}
