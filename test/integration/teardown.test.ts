// Everything the server starts, it stops: after `close()` no timer, socket or
// listening port of it is left in the process, whatever was going on at the time.

import { createHook } from 'node:async_hooks';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { hostWithGuest, sleep } from './support/continuity.js';
import { createSession, postJson } from './support/http.js';
import { startTestServer, stopServers } from './support/server.js';

afterEach(stopServers);

/** Kinds of resources that would keep a process alive, or work on, after a stop. */
const LIVE_TYPES = new Set(['Timeout', 'Immediate', 'TCPSERVERWRAP', 'TCPWRAP', 'UDPWRAP', 'FSEVENTWRAP', 'PROCESSWRAP', 'PIPEWRAP']);

/** Timers Node shares across a process, which belong to no server: the Date-header cache, fetch's (undici's) clock. */
const SHARED_BY_NODE = /utcDate|undici/;

/** Where a resource was made: the first frame of a script file outside Node itself ('' when no script made it, e.g. an accepted socket). */
function maker(stack: string): string {
  // Line 0 is the message, line 1 this hook's `init`.
  return stack.split('\n').slice(2).find((frame) => !/\(node:|at node:|<anonymous>/.test(frame))?.trim() ?? '';
}

/** Tracks the server's live resources created from now on, until they are destroyed (or the tracker stops). */
function trackResources(): { live(): string[]; stop(): void } {
  const live = new Map<number, string>();
  const hook = createHook({
    init(id, type) {
      if (!LIVE_TYPES.has(type)) return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 30;
      const stack = new Error().stack ?? '';
      Error.stackTraceLimit = limit;
      const by = maker(stack);
      // The test's own timers and clients are not the server's.
      if (SHARED_BY_NODE.test(stack) || by.includes('/test/')) return;
      live.set(id, `${type} made ${by || 'by Node (an accepted connection)'}`);
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  return { live: () => [...live.values()], stop: () => void hook.disable() };
}

describe('server teardown', () => {
  it('leaves no timer, socket or port behind after close(), in the middle of everything', async () => {
    const resources = trackResources();
    onTestFinished(() => resources.stop());
    const server = await startTestServer({ hostGraceSeconds: 30, guestGraceSeconds: 30 });
    // Two live sessions with a host and a guest each; one guest has just dropped (its grace is running).
    const { host, guest } = await hostWithGuest(server);
    const { guest: leaving } = await hostWithGuest(server, 'Cy');
    leaving.ws.close();
    await leaving.waitClosed();
    // A session whose page never connected (the host grace runs), and a replay being recorded.
    await createSession(server);
    const replay = await postJson(server, '/api/sessions', { hostName: 'Rae', hostEmail: 'rae@example.com', isReplay: true });
    expect(replay.status).toBe(201);
    expect(resources.live().length).toBeGreaterThan(5);
    // One STUN server per server of the deployment.
    expect(resources.live().filter((r) => r.startsWith('UDPWRAP'))).toEqual((server.second ? [1, 2] : [1]).map(() => expect.stringContaining('stun-server')));

    await server.close();
    // The test's own client sockets see the close a moment later.
    await Promise.all([host.socket.waitClosed(), guest.waitClosed()]);
    await sleep(100);
    expect(resources.live()).toEqual([]);
  });

  it('leaves nothing behind when it cannot start (its STUN port is taken)', async () => {
    const first = await startTestServer();
    const resources = trackResources();
    onTestFinished(() => resources.stop());
    await expect(startTestServer({ stunPort: first.stunPort })).rejects.toThrow(/CWMN_STUN_PORT/);
    await sleep(100);
    expect(resources.live()).toEqual([]);
  });
});
