// Network probes: small Node programs run inside a namespace (`ip netns exec … node
// -e`), and a UDP echo server, to show what a test host can and cannot reach.

import { createSocket, type Socket } from 'node:dgram';
import { exec, spawnIn } from './exec.js';

/**
 * How long a probe waits for its network answer by default: long, as it returns as
 * soon as the answer comes. A test expecting silence passes its own, short, timeout.
 */
export const PROBE_TIMEOUT_MS = 5_000;
/** Extra time for starting Node inside the namespace. */
const NODE_START_MS = 5_000;

/** Outcome of a TCP connection attempt: `connected`, `timeout` (dropped), or the error code (`ECONNREFUSED`, …). */
export type TcpOutcome = 'connected' | 'timeout' | string;

/** Runs a Node program inside `ns` and parses the one JSON line it prints. */
async function nodeIn<T>(ns: string, program: string, args: readonly (string | number)[], timeoutMs: number): Promise<T> {
  const { stdout } = await exec(ns, process.execPath, ['-e', program, ...args.map(String)], { timeoutMs: timeoutMs + NODE_START_MS });
  return JSON.parse(stdout) as T;
}

const TCP_PROGRAM = `
const [host, port, ms] = process.argv.slice(1);
const done = (outcome) => { console.log(JSON.stringify(outcome)); process.exit(0); };
setTimeout(() => done('timeout'), +ms);
require('node:net').connect({ host, port: +port })
  .on('connect', () => done('connected'))
  .on('error', (e) => done(e.code || String(e)));
`;

/** Tries a TCP connection from `ns` to `ip:port`. */
export function tcpConnect(ns: string, ip: string, port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<TcpOutcome> {
  return nodeIn(ns, TCP_PROGRAM, [ip, port, timeoutMs], timeoutMs);
}

/** Answer of an HTTP GET made from a namespace; `error` instead when it failed. */
export interface HttpOutcome {
  status?: number;
  body?: string;
  error?: string;
}

const HTTP_PROGRAM = `
const [url, ms] = process.argv.slice(1);
fetch(url, { signal: AbortSignal.timeout(+ms) })
  .then(async (r) => ({ status: r.status, body: await r.text() }), (e) => ({ error: String(e.cause?.code ?? e.name ?? e) }))
  .then((outcome) => console.log(JSON.stringify(outcome)));
`;

/** GETs `url` from inside `ns`. */
export function httpGet(ns: string, url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<HttpOutcome> {
  return nodeIn(ns, HTTP_PROGRAM, [url, timeoutMs], timeoutMs);
}

/** Outcome of sending one UDP datagram and waiting for one reply. */
export interface UdpOutcome {
  /** Whether the kernel accepted the datagram (a firewall's OUTPUT DROP refuses it with EPERM). */
  sent: boolean;
  /** The first reply's text and sender (`ip:port`). */
  reply?: string;
  from?: string;
  /** `timeout`, or the send error's code. */
  error?: string;
}

const UDP_PROGRAM = `
const [host, port, text, ms, localPort] = process.argv.slice(1);
const socket = require('node:dgram').createSocket('udp4');
let sent = false;
const done = (outcome) => { console.log(JSON.stringify({ sent, ...outcome })); process.exit(0); };
setTimeout(() => done({ error: 'timeout' }), +ms);
socket.on('message', (m, r) => done({ reply: m.toString(), from: r.address + ':' + r.port }));
socket.on('error', (e) => done({ error: e.code || String(e) }));
socket.bind(+localPort, () => socket.send(text, +port, host, (e) => (e ? done({ error: e.code || String(e) }) : (sent = true))));
`;

/** Sends `text` over UDP from `ns` to `ip:port` (from `localPort`, default any) and waits for a reply. */
export function udpExchange(ns: string, ip: string, port: number, text: string, options: { timeoutMs?: number; localPort?: number } = {}): Promise<UdpOutcome> {
  const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS;
  return nodeIn(ns, UDP_PROGRAM, [ip, port, text, timeoutMs, options.localPort ?? 0], timeoutMs);
}

/** A datagram an echo server received. */
export interface UdpMessage {
  text: string;
  /** Source address and port as the server saw them (after any NAT). */
  address: string;
  port: number;
}

/** A UDP server that answers each datagram with the same text and keeps what it received. */
export interface UdpEcho {
  port: number;
  readonly messages: readonly UdpMessage[];
  /** The first message (received or to come) matching `match`, or undefined after `timeoutMs`. */
  waitFor(match: (m: UdpMessage) => boolean, timeoutMs?: number): Promise<UdpMessage | undefined>;
  /** Idempotent. */
  close(): Promise<void>;
}

/** Shared bookkeeping of both echo servers: messages and waiters. */
function inbox(): { messages: UdpMessage[]; add(m: UdpMessage): void; waitFor: UdpEcho['waitFor'] } {
  const messages: UdpMessage[] = [];
  const waiters = new Set<(m: UdpMessage) => void>();
  return {
    messages,
    add(m) {
      messages.push(m);
      for (const w of [...waiters]) w(m);
    },
    waitFor(match, timeoutMs = PROBE_TIMEOUT_MS) {
      const found = messages.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => {
        const waiter = (m: UdpMessage) => {
          if (!match(m)) return;
          finish(m);
        };
        const finish = (m: UdpMessage | undefined) => {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(m);
        };
        const timer = setTimeout(() => finish(undefined), timeoutMs);
        waiters.add(waiter);
      });
    },
  };
}

/** Starts a UDP echo server in the test process on `ip:port` (port 0: any free one). */
export async function startUdpEcho(ip: string, port = 0): Promise<UdpEcho> {
  const box = inbox();
  const socket: Socket = createSocket('udp4');
  socket.on('message', (data, rinfo) => {
    box.add({ text: data.toString(), address: rinfo.address, port: rinfo.port });
    socket.send(data, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, ip, () => resolve());
  });
  let closed: Promise<void> | undefined;
  return {
    port: socket.address().port,
    messages: box.messages,
    waitFor: box.waitFor,
    close: () => (closed ??= new Promise((r) => socket.close(() => r()))),
  };
}

const ECHO_PROGRAM = `
const socket = require('node:dgram').createSocket('udp4');
socket.on('message', (m, r) => {
  console.log(JSON.stringify({ text: m.toString(), address: r.address, port: r.port }));
  socket.send(m, r.port, r.address);
});
socket.bind(+process.argv[1], () => console.log(JSON.stringify({ ready: socket.address().port })));
`;

/** Starts a UDP echo server inside `ns` on `port` (all its addresses). */
export async function startUdpEchoIn(ns: string, port: number): Promise<UdpEcho> {
  const box = inbox();
  const child = spawnIn(ns, process.execPath, ['-e', ECHO_PROGRAM, String(port)]);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let ready: (port: number) => void = () => {};
  const readyPort = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`UDP echo in ${ns} did not start`)), NODE_START_MS);
    ready = (port) => {
      clearTimeout(timer);
      resolve(port);
    };
    void exited.then(() => reject(new Error(`UDP echo in ${ns} exited`)));
  });
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const parsed = JSON.parse(line) as UdpMessage | { ready: number };
      if ('ready' in parsed) ready(parsed.ready);
      else box.add(parsed);
    }
  });
  const close = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    return exited;
  };
  try {
    return { port: await readyPort, messages: box.messages, waitFor: box.waitFor, close };
  } catch (err) {
    await close();
    throw err;
  }
}
