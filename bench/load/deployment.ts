// A deployment under load: one server on the file store, or one or two
// servers sharing a Redis the tool starts (and one CWMN_DATA_DIR), as an
// operator runs several behind a load balancer. Each server is a process of
// its own on loopback; every server's public URL is the first one's, so links
// and origins are the deployment's whichever server a client reaches.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLoadRedis, type LoadRedis } from './redis-process.js';
import type { LoadContext } from './scenario.js';
import { freePort, startLoadServer, type LoadServer } from './server-process.js';

/** What runs: `file` (one server, file store), `redis-1` (one server on Redis), `redis-2` (two servers on one Redis). */
export type DeploymentKind = 'file' | 'redis-1' | 'redis-2';

export const DEPLOYMENT_LABEL: Record<DeploymentKind, string> = {
  file: 'one server, file store',
  'redis-1': 'one server on Redis',
  'redis-2': 'two servers on Redis',
};

/** What is read at the edges of a measurement: the CPU of the servers' and Redis' processes, and what Redis ran. */
export interface WatchedProcesses {
  servers: number[];
  redis: number | null;
  /** Redis' port (null: none), for `INFO commandstats`. */
  redisPort: number | null;
  /** Each server's `/metrics`, for what its bus carried. */
  metricsUrls: string[];
}

export interface LoadDeployment {
  kind: DeploymentKind;
  servers: LoadServer[];
  /** null on the file store. */
  redis: LoadRedis | null;
  /** The deployment's public origin (the first server's): the Origin header of its clients. */
  origin: string;
  /** What a peer client reads at the edges of a measurement (CPU of these processes, Redis' commands). */
  watch: WatchedProcesses;
  /** Throws when a server exited before `stop()`, saying how (with its last output). */
  check(): void;
  /** Stops the servers, then Redis; removes what they wrote. */
  stop(): Promise<void>;
}

let deployments = 0;

export async function startDeployment(ctx: LoadContext, kind: DeploymentKind, env: Record<string, string> = {}): Promise<LoadDeployment> {
  const count = kind === 'redis-2' ? 2 : 1;
  const redis = kind === 'file' ? null : await startLoadRedis();
  const servers: LoadServer[] = [];
  const dataDir = redis ? mkdtempSync(join(tmpdir(), 'cwmn-load-shared-')) : undefined;
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await redis?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    const shared: Record<string, string> = {
      // Sessions wait for their host for this long after their creation (default 30 s): a scenario's setup may take longer.
      CWMN_HOST_GRACE_SECONDS: '3600',
      CWMN_PUBLIC_URL: publicUrl,
      ...(redis ? { CWMN_REDIS_URL: redis.url, CWMN_REDIS_PREFIX: `cwmn-load-${process.pid}-${++deployments}` } : {}),
      ...env,
    };
    for (let i = 0; i < count; i++) {
      // Without the probe: nothing reads it here, and its timer would add to the CPU measured.
      servers.push(await startLoadServer(ctx.root, null, shared, { port: i === 0 ? port : undefined, dataDir }));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  ctx.log(`${DEPLOYMENT_LABEL[kind]}: ${servers.map((s) => s.url).join(', ')}${redis ? `, ${redis.url}` : ''}`);
  return {
    kind, servers, redis, origin: new URL(servers[0]!.url).origin,
    watch: { servers: servers.map((s) => s.pid), redis: redis?.pid ?? null, redisPort: redis?.port ?? null, metricsUrls: servers.map((s) => `${s.url}/metrics`) },
    check: () => {
      const dead = servers.map((s, i) => ({ i, how: s.died() })).find((d) => d.how !== null);
      if (dead) throw new Error(`server ${dead.i + 1} of ${DEPLOYMENT_LABEL[kind]} (${servers[dead.i]!.url}) exited: ${dead.how}`);
    },
    stop,
  };
}

/**
 * Measures each deployment twice, in the order A B C C B A (the machine's
 * other work comes and goes): the runs of each kind, and the error of a kind
 * that failed (it is not measured again).
 */
export async function measureEachTwice<R>(
  kinds: readonly DeploymentKind[], measure: (kind: DeploymentKind) => Promise<R>,
): Promise<{ runs: Map<DeploymentKind, R[]>; errors: Map<DeploymentKind, string> }> {
  const runs = new Map<DeploymentKind, R[]>();
  const errors = new Map<DeploymentKind, string>();
  for (const kind of [...kinds, ...[...kinds].reverse()]) {
    if (errors.has(kind)) continue;
    try {
      runs.set(kind, [...(runs.get(kind) ?? []), await measure(kind)]);
    } catch (err) {
      errors.set(kind, (err as Error).stack ?? String(err));
    }
  }
  return { runs, errors };
}
