// The tool's end of a peer client (peer-client.ts, bundled to
// dist/bench/load-peer-client.mjs): forked with the hard limit of open files,
// asked one command at a time, closed (killed if it does not exit) at the end.

import { fork, type ChildProcess } from 'node:child_process';
import type { PeerCommand, PeerReport } from './peer-client.js';
import { raisedFdLimit } from './process-stats.js';

export interface PeerProcess {
  pid: number;
  /** Sends `command`; resolves with its answer, rejects past `timeoutMs` or if the process exits. */
  ask<T extends Exclude<PeerCommand, { type: 'close' }>['type']>(
    command: Extract<PeerCommand, { type: T }>, timeoutMs: number,
  ): Promise<Extract<PeerReport, { type: T }>>;
  close(): Promise<void>;
}

export function startPeerProcess(clientFile: string): PeerProcess {
  const { prefix } = raisedFdLimit();
  const child: ChildProcess = fork(clientFile, [], {
    execPath: 'sh', execArgv: ['-c', `${prefix} exec "${process.execPath}" "$0"`], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid!,
    ask: (command, timeoutMs) => new Promise((resolve, reject) => {
      const { type } = command as PeerCommand;
      const done = () => {
        clearTimeout(timer);
        child.off('message', on);
        child.off('exit', gone);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`the peer client did not finish ${type} within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const on = (m: PeerReport) => {
        if (m.type !== type) return;
        done();
        resolve(m as never);
      };
      const gone = (code: number | null) => {
        done();
        reject(new Error(`the peer client exited (${code}) during ${type}`));
      };
      child.on('message', on);
      child.once('exit', gone);
      child.send(command);
    }),
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ type: 'close' } satisfies PeerCommand);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
