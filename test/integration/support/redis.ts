// A real redis-server of the test's own: on a free loopback port, its
// append-only file in a temporary directory; stopped by `stop()`.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { closedPort } from './webhook.js';

export interface TestRedis {
  url: string;
  port: number;
  /** Stops the server (as a crash would: SIGKILL), runs `whileDown`, and starts it again on the same port, with what it had stored. */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  /** Stops the server and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/** Starts redis-server (Debian's package); resolves once it answers. */
export async function startRedis(): Promise<TestRedis> {
  const port = await closedPort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cwmn-redis-'));
  let running = await launch(port, dir);
  let stopped: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async restart(whileDown) {
      running.child.kill('SIGKILL');
      await running.exited;
      try {
        await whileDown?.();
      } finally {
        running = await launch(port, dir);
      }
    },
    stop: () => (stopped ??= (async () => {
      running.child.kill('SIGTERM');
      await running.exited;
      fs.rmSync(dir, { recursive: true, force: true });
    })()),
  };
}

async function launch(port: number, dir: string): Promise<{ child: ChildProcess; exited: Promise<void> }> {
  // Every write on disk before it is answered, as a deployment that must survive a Redis crash runs it.
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
  // Its output is piped, not inherited: an inherited pipe would outlive the test process and hold up the runner.
  const child: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => { stderr = (stderr + c.toString()).slice(-2000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited at once (code ${child.exitCode}): ${stderr}`);
    const answered = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.end('PING\r\n'));
      socket.once('data', (d) => resolve(d.toString().startsWith('+PONG')));
      socket.once('error', () => resolve(false));
    });
    if (answered) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not answer within 10 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, exited };
}
