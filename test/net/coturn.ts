// Debian's coturn (`turnserver`) for tests: started detached in its own process
// group on the public segment's 203.0.113.1, logging to a temp file.

import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PUBLIC_GATEWAY_IP } from './addresses.js';
import { tempDirPrefix } from './names.js';

/** How long coturn may take to answer on TCP and UDP after it is started. */
export const COTURN_START_TIMEOUT_MS = 5_000;
/** How long `stop()` waits after SIGTERM before it sends SIGKILL. */
const COTURN_STOP_GRACE_MS = 2_000;
const POLL_MS = 50;

/** Peers coturn may relay to: the test network's ranges and nothing else, so no relayed packet can leave it. */
export const COTURN_ALLOWED_PEERS = ['203.0.113.0-203.0.113.255', '198.51.100.0-198.51.100.255'];

/** How clients authenticate. */
export type CoturnAuth =
  /** Long-term credentials with one fixed user. */
  | { kind: 'static'; username: string; password: string }
  /** The TURN REST scheme: credentials derived from a shared secret (see `turnRestCredential`). */
  | { kind: 'rest'; secret: string };

/** Options of `startCoturn`; defaults in `startCoturn`. */
export interface CoturnOptions {
  /** TCP and UDP listening port. */
  port: number;
  auth: CoturnAuth;
  /** Listening and relay address; default 203.0.113.1. */
  ip?: string;
  /** Default `cwmn.test`. */
  realm?: string;
  /** Relay ports (UDP), inclusive; default 49200–49299. */
  relayPorts?: { min: number; max: number };
}

/** A running coturn. */
export interface Coturn {
  readonly ip: string;
  readonly port: number;
  readonly realm: string;
  readonly pid: number;
  /** `turn:IP:PORT?transport=udp|tcp`, for `RTCIceServer.urls`. */
  url(transport: 'udp' | 'tcp'): string;
  /** Path of its log file (it is removed by `stop()`). */
  readonly logFile: string;
  /** Its log so far, for debugging a failed test. */
  log(): string;
  /** Kills its process group and removes its temp directory. Idempotent. */
  stop(): Promise<void>;
}

/** Starts coturn and resolves once it answers on TCP and UDP; rejects with its log if it does not. */
export async function startCoturn(options: CoturnOptions): Promise<Coturn> {
  const ip = options.ip ?? PUBLIC_GATEWAY_IP;
  const realm = options.realm ?? 'cwmn.test';
  const { min, max } = options.relayPorts ?? { min: 49200, max: 49299 };
  const dir = mkdtempSync(join(tmpdir(), `${tempDirPrefix()}coturn-`));
  const logFile = join(dir, 'turnserver.log');
  const args = [
    '-n', // no configuration file: /etc/turnserver.conf is not read
    '--listening-ip', ip, '--relay-ip', ip, '-p', String(options.port),
    '--no-tls', '--no-dtls', '--no-cli', '--realm', realm,
    '--min-port', String(min), '--max-port', String(max),
    // Deny every peer, then allow the test ranges back (an allowed range wins over a denied one).
    '--no-multicast-peers', '--denied-peer-ip=0.0.0.0-255.255.255.255',
    ...COTURN_ALLOWED_PEERS.map((range) => `--allowed-peer-ip=${range}`),
    '--log-file', logFile, '--simple-log', '--no-stdout-log', '-v',
    '--pidfile', join(dir, 'turnserver.pid'), '--userdb', join(dir, 'turndb'),
    ...(options.auth.kind === 'static'
      ? ['--lt-cred-mech', '--user', `${options.auth.username}:${options.auth.password}`]
      : ['--use-auth-secret', '--static-auth-secret', options.auth.secret]),
  ];
  // detached: its own process group, which stop() kills whole.
  const child = spawn('turnserver', args, { detached: true, stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const spawnError = new Promise<Error>((r) => child.once('error', r));
  const log = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };

  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= (async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      killGroup(child.pid, 'SIGTERM');
      const late = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), COTURN_STOP_GRACE_MS);
      await exited;
      clearTimeout(late);
      // Anything it forked goes too.
      killGroup(child.pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  })());

  const deadline = Date.now() + COTURN_START_TIMEOUT_MS;
  let failure: string | undefined;
  for (;;) {
    const settled = await Promise.race([
      exited.then(() => 'exited' as const),
      spawnError.then((e) => `did not start: ${e.message}`),
      Promise.all([tcpAnswers(ip, options.port), stunAnswers(ip, options.port)]).then(([tcp, udp]) => tcp && udp),
    ]);
    if (settled === true) break;
    if (typeof settled === 'string') failure = settled;
    else if (Date.now() > deadline) failure = `did not answer on ${ip}:${options.port} within ${COTURN_START_TIMEOUT_MS} ms`;
    if (failure) {
      const text = log();
      await stop();
      throw new Error(`coturn ${failure}\n${text.split('\n').slice(-30).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }

  return {
    ip,
    port: options.port,
    realm,
    pid: child.pid!,
    url: (transport) => `turn:${ip}:${options.port}?transport=${transport}`,
    logFile,
    log,
    stop,
  };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone.
  }
}

/** Whether a TCP connection to ip:port is accepted. */
function tcpAnswers(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true)).once('error', () => done(false));
  });
}

const STUN_BINDING_REQUEST = 0x0001;
const STUN_BINDING_SUCCESS = 0x0101;
const STUN_MAGIC_COOKIE = 0x2112a442;

/** Whether a STUN Binding request over UDP to ip:port gets a success response (RFC 8489). */
function stunAnswers(ip: string, port: number): Promise<boolean> {
  const request = Buffer.alloc(20);
  request.writeUInt16BE(STUN_BINDING_REQUEST, 0);
  request.writeUInt16BE(0, 2); // no attributes
  request.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  randomBytes(12).copy(request, 8); // transaction id
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 500);
    socket.on('error', () => done(false));
    socket.on('message', (m) => {
      if (m.length >= 20 && m.readUInt16BE(0) === STUN_BINDING_SUCCESS && m.subarray(8, 20).equals(request.subarray(8, 20))) done(true);
    });
    socket.send(request, port, ip);
  });
}

/** TURN credentials for `RTCIceServer`. */
export interface TurnCredential {
  username: string;
  credential: string;
}

/**
 * A TURN REST credential: username `<expiry in epoch seconds>:<id>`, password
 * base64(HMAC-SHA1(secret, username)). A negative `validForSeconds` makes an expired one.
 */
export function turnRestCredential(secret: string, id: string, validForSeconds: number, nowMs: number = Date.now()): TurnCredential {
  const username = `${Math.floor(nowMs / 1000) + validForSeconds}:${id}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}
