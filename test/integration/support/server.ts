// Starting real servers for tests: port 0, a temporary data dir, silent logs.
// The suite runs on one of two deployments (`TEST_DEPLOYMENT`): one server on
// the file store, or two servers sharing a real redis-server, where every
// test server is a pair: hosts (and HTTP) reach the first, guests the second.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type ServerConfig } from '../../../signaling/config.js';
import { startServer, type RunningServer } from '../../../signaling/server.js';
import { inject } from 'vitest';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** What test servers run on: `file` (one server, the file store) or `redis` (two servers on Redis; `CWMN_TEST_DEPLOYMENT=redis`). */
export const TEST_DEPLOYMENT: 'file' | 'redis' = process.env.CWMN_TEST_DEPLOYMENT === 'redis' ? 'redis' : 'file';

/** A started test server and what a test needs to reach it. */
export interface TestServer extends RunningServer {
  config: ServerConfig;
  /** Where the server listens (`url` is its public URL, which may differ). */
  httpUrl: string;
  /** `ws://…/ws`: where hosts connect. */
  wsUrl: string;
  /** Where guests connect: `wsUrl`, or the second server's on Redis. */
  guestWsUrl: string;
  /** The STUN port of the server guests connect to (null: none). */
  guestStunPort: number | null;
  /** The server's own origin (the viewer's). */
  origin: string;
  /** Log lines written so far (by both servers on Redis). */
  logs: string[];
  /** The second server of the pair on Redis; null on the file store. */
  second: RunningServer | null;
}

/** Where a test reaches a server: what the socket and HTTP helpers need (any server of a deployment will do). */
export type Endpoint = Pick<TestServer, 'httpUrl' | 'wsUrl' | 'guestWsUrl' | 'origin'>;

/** The endpoint of a server listening on loopback `port`, for clients of `origin` (its deployment's public origin). */
export function endpointAt(port: number, origin: string): Endpoint {
  const wsUrl = `ws://127.0.0.1:${port}/ws`;
  return { httpUrl: `http://127.0.0.1:${port}`, wsUrl, guestWsUrl: wsUrl, origin };
}

const running = new Set<TestServer>();
const tempDirs = new Set<string>();

/** A new empty temporary directory, removed by `stopServers()`. */
export function tempDir(prefix = 'cwmn-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** The Redis of the run on Redis (started by its global setup: see `redis-deployment.ts`). */
export function testRedisUrl(): string {
  return inject('testRedisUrl');
}

/** The Redis prefix of the deployment whose data dir is `dataDir`: servers started again on it find their state. */
export function redisPrefixOf(dataDir: string): string {
  return `cwmn-test-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`;
}

/**
 * Starts a server on a random port with its own data dir (unless
 * `overrides.dataDir` is given); on Redis, a pair of servers sharing it.
 */
export async function startTestServer(overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
  const logs: string[] = [];
  const base: ServerConfig = {
    ...loadConfig({ PORT: '0', HOST: '127.0.0.1' }, REPO_ROOT),
    dataDir: tempDir(),
    log: (line) => logs.push(line),
    ...overrides,
  };
  const config = TEST_DEPLOYMENT === 'redis' && overrides.redisUrl === undefined
    ? { ...base, redisUrl: testRedisUrl(), redisPrefix: redisPrefixOf(base.dataDir) }
    : base;
  const server = await startServer(config);
  const second = config.redisUrl === null ? null : await startSecond(config, server);
  const httpUrl = `http://127.0.0.1:${server.port}`;
  let closing: Promise<void> | null = null;
  const test: TestServer = {
    ...server,
    config,
    httpUrl,
    wsUrl: `ws://127.0.0.1:${server.port}/ws`,
    guestWsUrl: `ws://127.0.0.1:${second?.port ?? server.port}/ws`,
    guestStunPort: (second ?? server).stunPort,
    origin: new URL(server.url).origin,
    logs,
    second,
    close: () => (closing ??= Promise.all([server.close(), second?.close()]).then(() => {})),
  };
  running.add(test);
  return test;
}

/** The second server of a pair: its own ports, the first one's public URL (as behind one load balancer). */
async function startSecond(config: ServerConfig, first: RunningServer): Promise<RunningServer> {
  try {
    return await startServer({ ...config, port: 0, stunPort: config.stunPort === null ? null : 0, publicUrl: config.publicUrl ?? first.url });
  } catch (err) {
    await first.close();
    throw err;
  }
}

/** Stops every server started by the test and removes the temporary directories. */
export async function stopServers(): Promise<void> {
  const servers = [...running];
  running.clear();
  await Promise.all(servers.map((s) => s.close()));
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}
