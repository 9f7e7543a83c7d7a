// A process of the load tool that holds host sockets: opens one signaling
// socket per session it is given (from its own loopback addresses), says
// host-hello, waits for the welcome, then only answers pings. Reports to the
// tool over IPC: progress while opening, and every socket that dropped.

import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { loopbackAddress } from './addresses.js';

/** What the tool asks of this process. */
export interface OpenHosts {
  type: 'open';
  wsUrl: string;
  origin: string;
  hosts: Array<{ sessionId: string; hostToken: string }>;
  /** Address block and the index of this process's first address in it. */
  block: number;
  firstAddress: number;
  /** Sockets per source address (under the server's per-address limit of socket opens). */
  perAddress: number;
  /** Sockets being opened at once. */
  concurrency: number;
  /** A socket not welcomed within this long counts as failed. */
  timeoutMs: number;
}

/** What this process tells the tool. */
export type HostClientReport =
  | { type: 'progress'; welcomed: number; failed: number; done: boolean; firstError: string | null }
  | { type: 'dropped'; count: number; codes: Record<string, number> }
  | { type: 'closed' };

const sockets: WebSocket[] = [];
let dropped = 0;
const dropCodes: Record<string, number> = {};
let closing = false;

function send(report: HostClientReport): void {
  process.send?.(report);
}

function openOne(job: OpenHosts, index: number): Promise<string | null> {
  const host = job.hosts[index]!;
  const localAddress = loopbackAddress(job.block, job.firstAddress + Math.floor(index / job.perAddress));
  return new Promise((resolve) => {
    const ws = new WebSocket(job.wsUrl, { headers: { Origin: job.origin }, localAddress, perMessageDeflate: false });
    let welcomed = false;
    const timer = setTimeout(() => {
      ws.terminate();
      resolve('no welcome in time');
    }, job.timeoutMs);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: host.sessionId, hostToken: host.hostToken })));
    ws.once('message', (data) => {
      clearTimeout(timer);
      const type = (JSON.parse(data.toString()) as { type?: string }).type;
      if (type !== 'welcome') {
        ws.terminate();
        resolve(`answered ${data.toString().slice(0, 200)}`);
        return;
      }
      welcomed = true;
      sockets.push(ws);
      resolve(null);
    });
    ws.on('error', (err) => {
      if (!welcomed) {
        clearTimeout(timer);
        resolve(err.message);
      }
    });
    ws.on('close', (code) => {
      if (!welcomed || closing) return;
      dropped += 1;
      dropCodes[code] = (dropCodes[code] ?? 0) + 1;
    });
  });
}

async function open(job: OpenHosts): Promise<void> {
  let next = 0;
  let welcomed = 0;
  let failed = 0;
  let firstError: string | null = null;
  let lastReport = 0;
  const worker = async () => {
    while (next < job.hosts.length) {
      const error = await openOne(job, next++);
      if (error === null) welcomed += 1;
      else {
        failed += 1;
        firstError ??= error;
      }
      if (Date.now() - lastReport > 500) {
        lastReport = Date.now();
        send({ type: 'progress', welcomed, failed, done: false, firstError });
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  send({ type: 'progress', welcomed, failed, done: true, firstError });
}

process.on('message', (message: OpenHosts | { type: 'report-drops' } | { type: 'close' }) => {
  if (message.type === 'open') void open(message);
  else if (message.type === 'report-drops') send({ type: 'dropped', count: dropped, codes: dropCodes });
  else if (message.type === 'close') {
    closing = true;
    for (const ws of sockets) ws.terminate();
    send({ type: 'closed' });
    setTimeout(() => process.exit(0), 100);
  }
});
process.on('disconnect', () => process.exit(0));
