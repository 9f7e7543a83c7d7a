// Running commands for the network harness: in the test's own (root) namespace
// or inside a test namespace through `ip netns exec`. Every run has a timeout.

import { spawn, type ChildProcess } from 'node:child_process';

/** How long one command may run before it is killed. */
export const EXEC_TIMEOUT_MS = 10_000;

/** What a finished command printed. */
export interface ExecResult {
  stdout: string;
  stderr: string;
}

/** Options of one command run. */
export interface ExecOptions {
  /** Kill the command (SIGKILL) after this long; default `EXEC_TIMEOUT_MS`. */
  timeoutMs?: number;
  /** Written to the command's standard input, which is then closed. */
  input?: string;
}

/** A command that exited non-zero, was killed, or could not start. */
export class ExecError extends Error {
  constructor(
    readonly command: string,
    /** Exit code, or null when it was killed or never started. */
    readonly exitCode: number | null,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(`${command}: ${exitCode === null ? 'killed or not started' : `exit ${exitCode}`}${stderr ? `: ${stderr.trim()}` : ''}`, options);
  }
}

/** Runs a command in the test's own namespace; rejects with `ExecError` unless it exits 0. */
export function run(cmd: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const command = [cmd, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? EXEC_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new ExecError(command, null, String(err), { cause: err }));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new ExecError(command, code, stderr));
    });
    // A command that does not read its input must not fail the run with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/** Runs a command inside network namespace `ns`. */
export function exec(ns: string, cmd: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult> {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], options);
}

/**
 * Starts a long-running command inside `ns` (stdin ignored, stdout and stderr piped).
 * `ip netns exec` replaces itself with the command, so the child's pid is the command's.
 */
export function spawnIn(ns: string, cmd: string, args: readonly string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Sets kernel settings (`sysctl -w key=value`) inside `ns`; they belong to that namespace alone. */
export async function sysctl(ns: string, settings: Record<string, string | number>): Promise<void> {
  await exec(ns, 'sysctl', ['-q', '-w', ...Object.entries(settings).map(([k, v]) => `${k}=${v}`)]);
}
