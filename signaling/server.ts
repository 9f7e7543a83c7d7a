// The composition root: builds the store, services, HTTP routes and the
// socket hub from one config, starts listening, and returns a way to stop.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerConfig } from './config.js';
import { addApiRoutes } from './http/api-routes.js';
import { addPageRoutes } from './http/page-routes.js';
import { Router } from './http/router.js';
import { LinkService } from './links.js';
import { OriginPolicy } from './origins.js';
import { PRUNE_INTERVAL_MS, pruneStore } from './prune.js';
import { CREATE_SESSION_LIMIT, KeyedRateLimiter } from './rate-limit.js';
import { SessionService } from './sessions.js';
import { openFileStore } from './state/file-store.js';
import { endRoom } from './ws/end-room.js';
import { Rooms } from './ws/rooms.js';
import { SocketHub } from './ws/socket-hub.js';

/** How often idle rate-limit state is forgotten. */
export const LIMITER_SWEEP_INTERVAL_MS = 60_000;

/** A started server. */
export interface RunningServer {
  /** Public base URL (invite links start with it); by default `http://HOST:PORT` with the bound port. */
  url: string;
  /** The bound TCP port (the real one when the config said 0). */
  port: number;
  /** Stops timers, closes every socket and the HTTP server. Idempotent. */
  close(): Promise<void>;
}

/** Starts the signaling server; rejects when the state file is unreadable or the port is taken. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const { log } = config;
  const store = openFileStore(config.dataDir, log);
  const httpServer = createServer();
  let port: number;
  try {
    port = await listen(httpServer, config.port, config.host);
  } catch (err) {
    store.close();
    throw err;
  }
  const boundUrl = `http://${urlHost(config.host)}:${port}`;
  const publicUrl = config.publicUrl ?? boundUrl;
  // `localhost` reaches a loopback-bound server too: a viewer opened that way is still "ours".
  const loopbackAlias = config.host === '127.0.0.1' || config.host === '::1' ? [`http://localhost:${port}`] : [];
  const origins = new OriginPolicy(config.allowedOrigins, [publicUrl, boundUrl, ...loopbackAlias]);
  const rooms = new Rooms();
  const sessions = new SessionService({
    store,
    sessionMaxSeconds: config.sessionMaxSeconds,
    countGuests: (id) => rooms.guestCount(id),
    onEnded: (id, reason) => endRoom(rooms, id, reason),
    log,
  });
  const links = new LinkService({ store, linkTtlSeconds: config.linkTtlSeconds, publicUrl });
  const hub = new SocketHub({
    roles: { sessions, links, rooms, origins, iceServers: config.iceServers, batch: (fn) => store.batch(fn), log, now: Date.now },
    helloTimeoutMs: config.helloTimeoutMs,
    pingIntervalMs: config.pingIntervalMs,
    log,
  });
  const createLimiter = new KeyedRateLimiter(CREATE_SESSION_LIMIT);
  const router = new Router(log);
  addApiRoutes(router, {
    sessions, origins, createLimiter, sessionMaxSeconds: config.sessionMaxSeconds, ownOrigin: new URL(publicUrl).origin,
  });
  addPageRoutes(router, config.rootDir);

  httpServer.on('request', (req, res) => void router.handle(req, res));
  httpServer.on('upgrade', (req, socket, head) => hub.handleUpgrade(req, socket, head));
  httpServer.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  const prune = () => {
    const removed = pruneStore(store, Date.now());
    if (removed > 0) log(`state: pruned ${removed} old record(s)`);
  };
  prune();
  sessions.start(); // Re-arms expiry timers of sessions loaded from the store.
  const pruneTimer = setInterval(prune, PRUNE_INTERVAL_MS);
  const sweepTimer = setInterval(() => {
    createLimiter.sweep();
    hub.sweep();
  }, LIMITER_SWEEP_INTERVAL_MS);

  log(`listening on ${boundUrl}${publicUrl === boundUrl ? '' : ` (links use ${publicUrl})`}`);

  let closing: Promise<void> | null = null;
  const shutdown = async () => {
    clearInterval(pruneTimer);
    clearInterval(sweepTimer);
    sessions.close();
    const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
    await hub.close();
    httpServer.closeAllConnections();
    await stopped;
    store.close();
    log('stopped');
  };
  return { url: publicUrl, port, close: () => (closing ??= shutdown()) };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** The host part of a URL reaching `host`: wildcard addresses become loopback, IPv6 gets brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
