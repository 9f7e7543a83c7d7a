// The built-in STUN server (RFC 8489, Binding only): tells each client the
// address and port its UDP packets come from, so a browser behind a NAT can
// offer that address to its peer. Anything but a valid Binding request is
// ignored: never an answer, never a crash.

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import stun, { type StunResponse } from '@msimerson/stun';
import { CwmnError, ErrorCode } from '../../src/protocol/index.js';
import type { LogFn } from '../config.js';

/** Where the STUN server listens. */
export interface StunServerOptions {
  /** UDP port; 0 picks a free one. */
  port: number;
  /** Interface to bind (the server's `HOST`). */
  host: string;
  log: LogFn;
}

/** A listening STUN server. */
export interface RunningStunServer {
  /** The bound UDP port. */
  readonly port: number;
  /** Closes the socket. Idempotent. */
  close(): Promise<void>;
}

const { STUN_BINDING_REQUEST, STUN_BINDING_RESPONSE, STUN_ATTR_FINGERPRINT } = stun.constants;

/** Binds the UDP socket and answers Binding requests; rejects naming `CWMN_STUN_PORT` when it cannot bind. */
export async function startStunServer(options: StunServerOptions): Promise<RunningStunServer> {
  const type = isIP(options.host) === 6 ? 'udp6' : 'udp4';
  const socket = createSocket(type);
  await bind(socket, options);
  const server = stun.createServer({ type, socket });
  // Undecodable packets and error responses arrive as `error`: ignored, like everything but a valid request.
  server.on('error', () => {});
  server.on('bindingRequest', (request, from) => {
    try {
      if (!isValidBindingRequest(request, from)) return;
      const response = stun.createMessage(STUN_BINDING_RESPONSE, request.transactionId);
      response.addXorAddress(mappedAddress(from.address), from.port);
      response.addFingerprint();
      server.send(response, from.port, from.address, () => {}); // A send that fails is a lost packet: the client retries.
    } catch {
      // A request the package decoded but cannot handle is not a valid one either.
    }
  });
  socket.on('error', (err) => options.log(`stun: ${err.message}`));
  const { port } = socket.address();
  let closing: Promise<void> | null = null;
  return {
    port,
    close: () => (closing ??= new Promise<void>((resolve) => {
      server.close();
      socket.close(() => resolve());
    })),
  };
}

/**
 * A Binding request and nothing else (the package reports a request of any
 * method as `bindingRequest`): exactly one message filling the datagram, with
 * a correct FINGERPRINT if it carries one.
 */
function isValidBindingRequest(request: StunResponse, from: RemoteInfo): boolean {
  if (request.type !== STUN_BINDING_REQUEST || request.isLegacy()) return false;
  if (stun.encode(request).length !== from.size) return false;
  return !request.hasAttribute(STUN_ATTR_FINGERPRINT) || stun.validateFingerprint(request);
}

/** An IPv4 client seen through a dual-stack socket (`::ffff:a.b.c.d`) is told its IPv4 address. */
function mappedAddress(address: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  return v4 !== undefined && isIP(v4) === 4 ? v4 : address;
}

function bind(socket: Socket, { port, host }: StunServerOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => {
      socket.close();
      reject(new CwmnError(ErrorCode.INVALID_PARAMS, bindFailure(err, port, host), { cause: err }));
    };
    socket.once('error', failed);
    socket.bind(port, host, () => {
      socket.off('error', failed);
      resolve();
    });
  });
}

function bindFailure(err: NodeJS.ErrnoException, port: number, host: string): string {
  if (err.code === 'EADDRINUSE') {
    return `CWMN_STUN_PORT: UDP port ${port} on ${host} is already in use; set CWMN_STUN_PORT to a free port, or to off`;
  }
  return `CWMN_STUN_PORT: cannot listen on UDP port ${port} on ${host} (${err.code ?? err.message})`;
}
