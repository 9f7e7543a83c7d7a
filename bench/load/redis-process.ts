// The Redis of a load deployment: Debian's `redis-server`, started by the load
// tool on a free loopback port with its files in a temporary directory, and
// stopped (its directory removed) by `stop()`. Every write reaches the disk
// before Redis answers (append-only file, fsync always), as the file store
// syncs its journal before a server answers: the two are compared like for like.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './server-process.js';

export interface LoadRedis {
  url: string;
  pid: number;
  port: number;
  /** SIGTERM (SIGKILL after 5 s), then removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/** Starts redis-server; resolves once it answers PING. */
export async function startLoadRedis(): Promise<LoadRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cwmn-load-redis-'));
  // LOAD_REDIS_APPENDFSYNC: everysec or no, to see what syncing every write costs (such a run is not the figure).
  const fsync = process.env.LOAD_REDIS_APPENDFSYNC?.trim() || 'always';
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', fsync, '--dir', dir];
  let child: ChildProcess;
  try {
    child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => { stderr = (stderr + c.toString()).slice(-2000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  let stopping: Promise<void> | null = null;
  const stop = () => (stopping ??= (async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  })());
  const deadline = Date.now() + 10_000;
  for (;;) {
    const failed = await Promise.race([spawnError, new Promise<null>((r) => setTimeout(() => r(null), 0))]);
    if (failed) {
      await stop();
      throw new Error(`redis-server could not be started (Debian's redis-server package): ${failed.message}`);
    }
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`redis-server exited at once (code ${child.exitCode}): ${stderr}`);
    }
    if (await pings(port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not answer within 10 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const pid = child.pid!;
  return { url: `redis://127.0.0.1:${port}`, port, pid, stop };
}

function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.end('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}
