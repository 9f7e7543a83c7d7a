// The composition root: builds the backing (store and bus), the services,
// HTTP routes and the socket hubs from one config, each part after the parts
// it uses (what must hear of a later part's events subscribes to it), starts
// listening, and returns a way to stop.

import type { Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { openBacking } from './backing.js';
import type { ServerConfig } from './config.js';
import { createDelivery, type Delivery } from './delivery/delivery.js';
import { DomainSettings } from './domain-settings.js';
import { GuestService } from './guests.js';
import { HandoffService } from './handoffs.js';
import { HostInviteService } from './host-invites.js';
import { addApiRoutes } from './http/api-routes.js';
import { addHandoffRoutes } from './http/handoff-routes.js';
import { addIthRoutes } from './http/ith-routes.js';
import { addOpsRoutes } from './http/ops-routes.js';
import { addOutboxRoutes, OUTBOX_PATH } from './http/outbox-routes.js';
import { hostForUrl } from './http/host-name.js';
import { addPageRoutes } from './http/page-routes.js';
import { parserErrorResponse } from './http/respond.js';
import { Router } from './http/router.js';
import { createWebServer, describeTlsPair, readTlsPair, ServedCertificate } from './http/tls.js';
import { fallbackStunHost, IceProvider } from './ice/ice-provider.js';
import { startStunServer, type RunningStunServer } from './ice/stun-server.js';
import { InviteService } from './invites.js';
import { LinkService } from './links.js';
import { Metrics, Timings } from './ops/metrics.js';
import { timedStore } from './ops/timed-store.js';
import { OriginPolicy } from './origins.js';
import { PRUNE_INTERVAL_MS, PRUNE_TIMER_KEY, pruneStore } from './prune.js';
import { PublicLinkService } from './public-links.js';
import { CREATE_SESSION_LIMIT } from './rate-limit.js';
import { ServerLease } from './server-lease.js';
import { SessionService } from './sessions.js';
import { StoreTimers } from './timers.js';
import { randomId } from './tokens.js';
import { createReplayService } from './replay/create.js';
import type { Mailer } from './replay/mailer.js';
import { addReplayRoutes } from './replay/replay-routes.js';
import { RelayHub } from './relay/relay-hub.js';
import type { RelayCounters } from './relay/relay-switch.js';
import { Courier } from './ws/courier.js';
import { LocalSockets } from './ws/local-sockets.js';
import { Presence } from './ws/presence.js';
import { rejectUpgrade, SocketHub } from './ws/socket-hub.js';
import { requestUrl } from './http/request-url.js';
import { RELAY_PATH } from '../src/protocol/index.js';

/** How often a slice of the idle rate-limit state is forgotten. */
export const LIMITER_SWEEP_INTERVAL_MS = 1000;
/** Entries of each rate limiter looked at per sweep: no sweep walks every client or session at once. */
export const LIMITER_SWEEP_SLICE = 1000;

/** A started server. */
export interface RunningServer {
  /** Public base URL (invite links start with it); by default `http(s)://HOST:PORT` with the bound port. */
  url: string;
  /** The bound TCP port (the real one when the config said 0). */
  port: number;
  /** What the relay carried so far (null when `CWMN_RELAY=off`). */
  relayCounters: Readonly<RelayCounters> | null;
  /** The bound UDP port of the built-in STUN server; null when it is off. */
  stunPort: number | null;
  /**
   * Reads `CWMN_TLS_CERT` / `CWMN_TLS_KEY` again for new connections (open ones keep theirs); a bad
   * new pair keeps the old one and logs why. False when it kept the old pair or TLS is off.
   */
  reloadTls(): boolean;
  /** Stops timers, closes every socket and the HTTP server. Idempotent. */
  close(): Promise<void>;
}

/** Collaborators that tests may pass in. */
export interface ServerDeps {
  /** Mail transport of replay videos; absent: the server's own (SMTP, or the development outbox). */
  mailer?: Mailer;
}

/**
 * Starts the signaling server; rejects when the state or domains file, or the TLS certificate or key, is unreadable
 * or invalid, or a port is taken.
 */
export async function startServer(config: ServerConfig, deps: ServerDeps = {}): Promise<RunningServer> {
  const { log } = config;
  const tlsPair = config.tls ? readTlsPair(config.tls) : null;
  const domains = new DomainSettings({ file: config.domainsFile, base: { sessionMaxSeconds: config.sessionMaxSeconds }, log });
  const backing = await openBacking(config);
  const timings = new Timings();
  const store = timedStore(backing.store, (operation, seconds) => timings.observeStore(operation, seconds));
  const { bus, limiters } = backing;
  const httpServer = createWebServer(tlsPair);
  const certificate = config.tls && tlsPair ? new ServedCertificate(httpServer, config.tls, tlsPair, log) : null;
  let port: number;
  let stun: RunningStunServer | null = null;
  try {
    port = await listen(httpServer, config.port, config.host);
    if (config.stunPort !== null) stun = await startStunServer({ port: config.stunPort, host: config.host, log });
  } catch (err) {
    await new Promise((resolve) => httpServer.close(resolve));
    await backing.close();
    throw err;
  }
  const scheme = tlsPair ? 'https' : 'http';
  const boundUrl = `${scheme}://${urlHost(config.host)}:${port}`;
  const publicUrl = config.publicUrl ?? boundUrl;
  // `localhost` reaches a loopback-bound server too: a viewer opened that way is still "ours".
  const loopbackAlias = config.host === '127.0.0.1' || config.host === '::1' ? [`${scheme}://localhost:${port}`] : [];
  const origins = new OriginPolicy(config.allowedOrigins, [publicUrl, boundUrl, ...loopbackAlias], () => domains.listedOrigins());
  const courier = new Courier(bus);
  const lease = new ServerLease(store, randomId(), log);
  const local = new LocalSockets(bus, lease.serverId);
  const sessions = new SessionService({ store, sessionMaxSeconds: config.sessionMaxSeconds, log });
  const handoffs = new HandoffService({ store, sessions, domains, origins });
  const links = new LinkService({ store, linkTtlSeconds: config.linkTtlSeconds, publicUrl });
  const publicLinks = new PublicLinkService({ store, links });
  const delivery = createDelivery({
    smtpUrl: config.smtpUrl,
    mailFrom: config.mailFrom,
    smsWebhookUrl: config.smsWebhookUrl,
    outboxDir: path.join(config.dataDir, OUTBOX_DIR_NAME),
    log,
  });
  const invites = new InviteService({ sessions, links, mail: delivery.mail, sms: delivery.sms, log, limiters });
  const guests = new GuestService({ store, sessions });
  const presence = new Presence({
    store, sessions, guests, local, courier, log, serverId: lease.serverId,
    hostGraceMs: config.hostGraceSeconds * 1000,
    guestGraceMs: config.guestGraceSeconds * 1000,
  });
  const hostInvites = new HostInviteService({
    store, sessions, links, origins, domains, mail: delivery.mail, linkTtlSeconds: config.linkTtlSeconds, publicUrl, log,
    onClaimed: (id) => presence.hostAway(id), // The new host's page says hello within the grace, or the session ends.
  });
  const relayHub = config.relay === 'off' ? null : new RelayHub({
    bus, sessions, guests, origins, helloTimeoutMs: config.helloTimeoutMs, pingIntervalMs: config.pingIntervalMs, log, limiters,
    audit: config.auditBytes,
  });
  const ice = new IceProvider({
    configured: config.iceServers,
    stunPort: stun?.port ?? null,
    fallbackHost: fallbackStunHost(config.publicUrl, config.host),
    turn: config.turn,
  });
  const hub = new SocketHub({
    roles: {
      sessions, links, publicLinks, invites, guests, store, local, courier, presence, origins, domains, ice, timings,
      relay: config.relay, relayFanoutGuests: config.relay === 'off' ? null : config.relayFanoutGuests,
      log,
    },
    helloTimeoutMs: config.helloTimeoutMs,
    pingIntervalMs: config.pingIntervalMs,
    log,
    limiters,
    audit: config.audit,
  });
  const replays = createReplayService(config, {
    store, publicUrl, boundUrl, mailer: deps.mailer ?? delivery.mail, endSession: (id) => sessions.endInBackground(id, 'host-ended'),
    observeRender: (seconds, outcome) => timings.observeRender(seconds, outcome),
    renderPageKey: () => certificate?.pair.spkiSha256 ?? null,
  });
  const metrics = new Metrics({
    sessions: () => sessions.activeCount(),
    presence: () => local.census(),
    sockets: () => ({ signaling: hub.size, relay: relayHub?.switch.size ?? 0 }),
    relay: () => relayHub?.switch.counters ?? null,
    bus: () => bus.counters,
    renders: () => replays.renders(),
  }, timings);
  sessions.whenEnded((id, reason) => {
    handoffs.forget(id).catch((err: unknown) => log(`handoff of ${id} not dropped: ${(err as Error)?.message}`, { level: 'warn' }));
    courier.ended(id, reason);
    replays.handleSessionEnded(id, reason);
  });
  const timers = new StoreTimers(store, {
    expiry: (id) => sessions.end(id, 'expired'),
    'host-grace': (id) => presence.hostGraceOver(id),
    'guest-grace': (id) => presence.guestGraceOver(id),
    'server-lease': (id) => presence.serverGone(id),
    prune: () => prune(),
  }, log);
  const createLimiter = limiters('create-session', CREATE_SESSION_LIMIT, 'fail');
  const router = new Router(log);
  addApiRoutes(router, {
    sessions, origins, domains, createLimiter, ownOrigin: new URL(publicUrl).origin,
    replays: { service: replays, maxSeconds: config.replayMaxSeconds },
    awaitHost: (id) => presence.hostAway(id), // A session whose page never connects ends after the grace.
    handoffs,
  });
  const ith = addIthRoutes(router, { hostInvites, origins, limiters });
  addHandoffRoutes(router, { handoffs, sessions, origins });
  addReplayRoutes(router, { replays, origins, renderPageDir: config.replayPageDir });
  if (delivery.outbox) addOutboxRoutes(router, delivery.outbox);
  let closing: Promise<void> | null = null; // Set by `close()`: from then on the server is draining.
  addOpsRoutes(router, { metrics, metricsToken: config.metricsToken, checks: backing.checks, draining: () => closing !== null });
  addPageRoutes(router, config.rootDir);

  httpServer.on('request', (req, res) => void router.handle(req, res));
  httpServer.on('upgrade', (req, socket, head) => {
    if (requestUrl(req)?.pathname !== RELAY_PATH) hub.handleUpgrade(req, socket, head);
    else if (relayHub) relayHub.handleUpgrade(req, socket, head);
    else rejectUpgrade(socket, 404);
  });
  httpServer.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (socket.writable) socket.end(parserErrorResponse(err.code));
    else socket.destroy();
  });

  // One server of a deployment prunes the store at a time, hourly: pruning is a stored timer.
  async function prune(): Promise<void> {
    const removed = await pruneStore(store, Date.now());
    if (removed > 0) log(`state: pruned ${removed} old record(s)`);
    await store.scheduleTimer({ kind: 'prune', key: PRUNE_TIMER_KEY, at: Date.now() + PRUNE_INTERVAL_MS });
  }
  if ((await store.timerAt('prune', PRUNE_TIMER_KEY)) === null) await store.scheduleTimer({ kind: 'prune', key: PRUNE_TIMER_KEY, at: Date.now() });
  await replays.start(); // Picks up recordings and renders the store holds (it never rejects: it logs).
  if (!backing.shared) {
    // The file store's timers and places died with the last process: expiries are set
    // again, and everyone is away, with their grace to come back. (On Redis they live on.)
    await sessions.start();
    await presence.restore((id) => hostInvites.awaitsClaim(id));
  }
  await lease.start();
  timers.start();
  const sweepTimer = setInterval(() => {
    createLimiter.sweep(LIMITER_SWEEP_SLICE);
    invites.sweep(LIMITER_SWEEP_SLICE);
    ith.sweep(LIMITER_SWEEP_SLICE);
    hub.sweep(LIMITER_SWEEP_SLICE);
    relayHub?.sweep(LIMITER_SWEEP_SLICE);
  }, LIMITER_SWEEP_INTERVAL_MS);

  log(`listening on ${boundUrl}${publicUrl === boundUrl ? '' : ` (links use ${publicUrl})`}`);
  if (certificate) log(`tls: ${describeTlsPair(certificate.pair)}; SIGHUP reads CWMN_TLS_CERT and CWMN_TLS_KEY again`);
  logDelivery(delivery, publicUrl, log);
  logIce(config, stun, log);
  log(config.relay === 'off'
    ? 'relay: off (a guest whose network allows no peer connection cannot join)'
    : `relay: ${config.relay} at ${RELAY_PATH}${config.relayFanoutGuests === null ? '' : `, every guest past ${config.relayFanoutGuests} in a session`}`);

  const shutdown = async () => {
    clearInterval(sweepTimer);
    await timers.close(); // Before the sockets close: nobody's grace runs out here while stopping.
    presence.stop(); // Shutting down is not leaving: the lease hands the places over (below).
    sessions.close();
    await replays.close();
    const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
    await hub.close();
    await relayHub?.close();
    await presence.settled();
    await lease.close();
    local.close();
    httpServer.closeAllConnections();
    await stopped;
    await stun?.close();
    delivery.close();
    await backing.close();
    log('stopped');
  };
  return { url: publicUrl, port, stunPort: stun?.port ?? null, relayCounters: relayHub?.switch.counters ?? null, reloadTls: () => certificate?.reload() ?? false, close: () => (closing ??= shutdown()) };
}

/** Name of the development outbox's directory inside `CWMN_DATA_DIR`. */
export const OUTBOX_DIR_NAME = 'outbox';

function logDelivery(delivery: Delivery, publicUrl: string, log: (line: string) => void): void {
  const where = (kind: string) => (kind === 'outbox' ? 'the development outbox' : kind);
  log(`mail: ${where(delivery.mail.kind)}; SMS: ${where(delivery.sms.kind)}`);
  if (delivery.outbox) {
    log(`outbox: ${publicUrl}${OUTBOX_PATH} lists working invite links; for development only, never expose it in production`);
  }
}

/** Where clients are sent for ICE; never the TURN secret. */
function logIce(config: ServerConfig, stun: RunningStunServer | null, log: (line: string) => void): void {
  if (stun) log(`stun: listening on udp ${hostForUrl(config.host)}:${stun.port}`);
  if (config.iceServers !== null) {
    log(`ice: clients get CWMN_ICE_SERVERS as written (${config.iceServers.length} entries)`);
    return;
  }
  const given = [
    ...(stun ? [`stun:<the host name they reached>:${stun.port}`] : []),
    ...(config.turn ? [`${config.turn.urls.join(', ')} with credentials that end with their session`] : []),
  ];
  log(`ice: clients get ${given.length > 0 ? given.join(' + ') : 'no ICE servers'}`);
}

function listen(server: Server | HttpsServer, port: number, host: string): Promise<number> {
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
