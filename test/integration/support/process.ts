// The built server (dist/server/main.js) in processes of its own, as an
// operator runs it: signals reach it, a kill is a crash. Every process
// started is killed by `stopProcesses()`.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT, tempDir } from './server.js';

/** A server process, with its output kept. */
export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** Everything it wrote so far (stdout and stderr). */
  output: () => string;
  /** Resolves with its exit code once it exited. */
  exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();

/** Starts a server process with `env` over test defaults; resolves once it listens. */
export async function startProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist/server/main.js')], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', CWMN_STUN_PORT: 'off', CWMN_DATA_DIR: tempDir(), CWMN_ROOT: REPO_ROOT, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let text = '';
  child.stdout!.on('data', (c: Buffer) => { text += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { text += c.toString(); });
  const port = await waitFor(() => (child.exitCode === null ? /listening on https?:\/\/127\.0\.0\.1:(\d+)/.exec(text)?.[1] : 'exited'), () => text);
  if (port === 'exited') throw new Error(`the server exited at start:\n${text}`);
  return { child, port: Number(port), output: () => text, exited };
}

/** Kills every process `startProcess` started that is still running, and waits for them. */
export async function stopProcesses(): Promise<void> {
  await Promise.all([...children].map(async (child) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }));
  children.clear();
}

/** Polls `probe` every 50 ms for at most `timeoutMs`; `context` explains a timeout. */
export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>, context: () => string, timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out; server output:\n${context()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
