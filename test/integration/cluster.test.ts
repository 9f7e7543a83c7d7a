// Several servers on one Redis, each in its own process behind one public
// address: a session whose host and guests are on different servers works as
// on one; a server killed or stopped loses no session; what must happen once
// (a link spent, an expiry fired) happens once, whichever servers race.

import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode, type ServerToGuest } from '../../src/protocol/index.js';
import { LEASE_MS, LEASE_RENEW_MS } from '../../signaling/server-lease.js';
import { startBalancer, type TestBalancer } from './support/balancer.js';
import { sayHello, sleep } from './support/continuity.js';
import { startProcess, stopProcesses, type ServerProcess } from './support/process.js';
import { startRedis, type TestRedis } from './support/redis.js';
import { endpointAt, stopServers, tempDir, type Endpoint } from './support/server.js';
import {
  connectHost, createLink, joinAsGuest, requestOk, sendRequest, type ConnectedHost, type GuestSocket,
} from './support/socket.js';

interface Deployment {
  redis: TestRedis;
  balancer: TestBalancer;
  servers: ServerProcess[];
  /** Where to reach server `i` directly (clients of the deployment's public origin). */
  at(i: number): Endpoint;
  /** Every line the servers wrote. */
  output(): string;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await stopProcesses();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await stopServers();
});

/** Redis, `count` server processes sharing it and one data dir, and a balancer whose URL is their public URL. */
async function deploy(count: number, env: Record<string, string> = {}): Promise<Deployment> {
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  const ports: number[] = [];
  const balancer = await startBalancer(() => ports);
  cleanups.push(() => balancer.close());
  const dataDir = tempDir();
  const servers: ServerProcess[] = [];
  for (let i = 0; i < count; i++) {
    servers.push(await startProcess({
      CWMN_REDIS_URL: redis.url, CWMN_DATA_DIR: dataDir, CWMN_PUBLIC_URL: balancer.url, CWMN_RELAY: 'off', ...env,
    }));
  }
  ports.push(...servers.map((s) => s.port));
  const origin = new URL(balancer.url).origin;
  return { redis, balancer, servers, at: (i) => endpointAt(servers[i]!.port, origin), output: () => servers.map((s) => s.output()).join('\n') };
}

/** A host on server `hostOn`, a guest on server `guestOn`. */
async function spread(d: Deployment, hostOn: number, guestOn: number): Promise<{ host: ConnectedHost; guest: GuestSocket; guestId: string; resumeToken: string }> {
  const host = await connectHost(d.at(hostOn));
  const guest = await joinAsGuest(d.at(guestOn), await createLink(host.socket), 'Bea');
  const joined = await guest.expect('joined');
  await host.socket.expect('guest-joined');
  return { host, guest, guestId: joined.guestId, resumeToken: joined.resumeToken! };
}

const offer = { description: { type: 'offer', sdp: 'v=0 cluster' } } as const;
const answer = { description: { type: 'answer', sdp: 'v=0 cluster' } } as const;

describe('two servers on one Redis', () => {
  it('serves one session from both: signals, the public link, removal and the end cross between them', async () => {
    const d = await deploy(2);
    const { host, guest, guestId } = await spread(d, 0, 1);
    host.socket.send({ type: 'signal', to: guestId, data: offer });
    expect((await guest.expect('signal')).data).toEqual(offer);
    guest.send({ type: 'signal', data: answer });
    expect(await host.socket.expect('signal')).toEqual({ type: 'signal', from: guestId, data: answer });

    const { url } = await requestOk<{ url: string }>(host.socket, { type: 'set-public-link', enabled: true });
    const second = await joinAsGuest(d.at(1), url, 'Cy');
    const secondId = (await second.expect('joined')).guestId;
    expect((await host.socket.expect('guest-joined')).guest.name).toBe('Cy');

    await requestOk(host.socket, { type: 'remove-guest', guestId });
    expect(await guest.expect('session-ended')).toEqual({ type: 'session-ended', reason: 'removed' });
    expect((await guest.waitClosed()).code).toBe(CloseCode.NORMAL);
    expect(await host.socket.expect('guest-left')).toEqual({ type: 'guest-left', guestId });

    const ended = await sendRequest(host.socket, { type: 'end-session' });
    expect(ended.ok).toBe(true);
    expect(await second.expect('session-ended')).toEqual({ type: 'session-ended', reason: 'host-ended' });
    expect(secondId).not.toBe(guestId);
  });

  it('loses no session when the host\'s server is killed: the host says hello on the other and finds its guest', async () => {
    const d = await deploy(2);
    const { host, guest, guestId } = await spread(d, 0, 1);
    d.servers[0]!.child.kill('SIGKILL');
    await host.socket.waitClosed();
    const again = await sayHello(d.at(1), host.sessionId, host.hostToken);
    const welcome = await again.expect('welcome');
    expect(welcome.guests.map((g) => g.id)).toEqual([guestId]);
    again.send({ type: 'signal', to: guestId, data: offer });
    expect((await guest.expect('signal')).data).toEqual(offer);
    expect(guest.pending.filter((m: ServerToGuest) => m.type === 'session-ended')).toEqual([]);
  });

  it('lets go of a guest whose server was killed and who never came back, once that server\'s lease ran out', async () => {
    const d = await deploy(2, { CWMN_GUEST_GRACE_SECONDS: '1' });
    const { host, guestId } = await spread(d, 0, 1);
    const killed = Date.now();
    d.servers[1]!.child.kill('SIGKILL');
    expect(await host.socket.expect('guest-left', LEASE_MS + 10_000)).toEqual({ type: 'guest-left', guestId });
    // Not before its server's lease (renewed every few seconds) could run out, and its grace after that.
    expect(Date.now() - killed).toBeGreaterThan(LEASE_MS - LEASE_RENEW_MS + 1000);
    expect(d.output()).toMatch(/is gone \(stopped, or its lease ran out\): 1 host\(s\) and guest\(s\) it held are away/);
  }, 60_000);

  it('drains on SIGTERM: sockets are told to go elsewhere (1001), the process exits in time, the session goes on', async () => {
    const d = await deploy(2, { CWMN_DRAIN_SECONDS: '5' });
    const { host, guest, guestId, resumeToken } = await spread(d, 0, 0);
    const started = Date.now();
    d.servers[0]!.child.kill('SIGTERM');
    expect((await host.socket.waitClosed()).code).toBe(CloseCode.GOING_AWAY);
    expect((await guest.waitClosed()).code).toBe(CloseCode.GOING_AWAY);
    expect(await d.servers[0]!.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    // Through the balancer, which now has one server to go to.
    const back = { ...d.at(1), httpUrl: d.balancer.url, wsUrl: `${d.balancer.url.replace('http', 'ws')}/ws` };
    const again = await sayHello(back, host.sessionId, host.hostToken);
    expect((await again.expect('welcome')).guests.map((g) => g.id)).toEqual([guestId]);
    const resumed = await joinAsGuestAgain(back, guestId, resumeToken);
    expect((await resumed.expect('joined')).guestId).toBe(guestId);
    expect((await again.expect('guest-joined')).guest.id).toBe(guestId);
  });

  it('spends a one-time link once when twenty guests present it on both servers at the same time', async () => {
    const d = await deploy(2);
    const host = await connectHost(d.at(0));
    const url = await createLink(host.socket);
    const guests = await Promise.all(Array.from({ length: 20 }, (_, i) => joinAsGuest(d.at(i % 2), url, `G${i}`)));
    const first = await Promise.all(guests.map((g) => g.next()));
    expect(first.filter((m) => m.type === 'joined')).toHaveLength(1);
    expect(first.filter((m) => m.type === 'error').map((m) => m.type === 'error' && m.error.code))
      .toEqual(Array.from({ length: 19 }, () => 'ERR_LINK_USED'));
  });

  it('fires a session\'s expiry once, on one server, and everyone on both hears of it', async () => {
    const d = await deploy(2, { CWMN_SESSION_MAX_SECONDS: '2' });
    const { host, guest } = await spread(d, 0, 1);
    expect(await guest.expect('session-ended', 5000)).toEqual({ type: 'session-ended', reason: 'expired' });
    expect(await host.socket.expect('session-ended', 5000)).toEqual({ type: 'session-ended', reason: 'expired' });
    await sleep(500);
    expect(d.output().match(/ended \(expired\)/g)).toHaveLength(1);
  });

  it('rides out a Redis restart under way: requests fail with ERR_SERVER meanwhile, sockets stay, all works again after', async () => {
    const d = await deploy(2);
    const { host, guest, guestId } = await spread(d, 0, 1);
    // Load while Redis goes away: a second host keeps creating links and signalling.
    const busy = await spread(d, 1, 0);
    let stop = false;
    const load = (async () => {
      for (let i = 0; !stop && i < 500; i++) {
        busy.host.socket.send({ type: 'signal', to: busy.guestId, data: offer });
        await sendRequest(busy.host.socket, { type: 'create-link' }, 10_000).catch(() => {});
        await sleep(20);
      }
    })();
    await d.redis.restart(async () => {
      const reply = await sendRequest(host.socket, { type: 'create-link' }, 10_000);
      expect(reply.ok ? 'created' : reply.error.code).toBe('ERR_SERVER');
    });
    const url = await waitForLink(host);
    expect(url).toMatch(/\/s\//);
    host.socket.send({ type: 'signal', to: guestId, data: offer });
    expect((await guest.take((m) => m.type === 'signal', 10_000)).type).toBe('signal');
    stop = true;
    await load;
    expect(d.servers.map((s) => s.child.exitCode)).toEqual([null, null]);
    // Each server says once that Redis went away, and once that it is back.
    expect(d.output().match(/store: Redis unavailable/g)).toHaveLength(2);
    expect(d.output().match(/store: Redis is back/g)).toHaveLength(2);
    expect(d.output()).not.toMatch(/uncaught|unhandled/i);
  });

  it('waits for Redis at start, saying so (not up meanwhile), and serves once it answers', async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    let starting: Promise<ServerProcess> | undefined;
    await redis.restart(async () => {
      starting = startProcess({ CWMN_REDIS_URL: redis.url });
      starting.catch(() => {});
      await sleep(2500);
    });
    const server = await starting!;
    expect(server.output()).toMatch(/CWMN_REDIS_URL: could not connect to Redis at 127\.0\.0\.1:\d+ .*trying again in 1 s/);
    const ready = await fetch(`http://127.0.0.1:${server.port}/readyz`);
    expect(await ready.json()).toEqual({ ready: true, draining: false, failing: [] });
  });
});

/** A link from the host's server, asking again while it answers ERR_SERVER (its store finding Redis again). */
async function waitForLink(host: ConnectedHost): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const reply = await sendRequest(host.socket, { type: 'create-link' }, 10_000);
    if (reply.ok) return (reply.result as { url: string }).url;
    await sleep(100);
  }
  throw new Error('no link after Redis came back');
}

/** A guest resuming (its viewer reloaded, or its server went away). */
async function joinAsGuestAgain(server: Endpoint, guestId: string, resumeToken: string): Promise<GuestSocket> {
  const { resumeAsGuest } = await import('./support/continuity.js');
  return resumeAsGuest(server, { guestId, resumeToken });
}
