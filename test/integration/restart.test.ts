// The file store: a stopped and restarted server (same data dir) still knows
// its sessions and links, its files are what they should be, and one data dir
// has one server. (On Redis, servers share state and may share a data dir:
// see cluster.test.ts.)

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { RECORD_RETENTION_MS } from '../../signaling/prune.js';
import { startServer } from '../../signaling/server.js';
import { hashToken } from '../../signaling/tokens.js';
import { request } from './support/http.js';
import { startTestServer, stopServers, tempDir } from './support/server.js';
import { readState, storedStateText, strayStateFiles } from './support/state.js';
import {
  connectHost, createLink, hostRequest, joinAsGuest, openHostSocket, tokenOf,
} from './support/socket.js';

afterEach(stopServers);

/** Polls `done` every 20 ms for at most 5 s. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 250 && !done(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!done()) throw new Error(`timed out waiting for ${what}`);
}

describe('restart on the same data dir', () => {
  it('keeps sessions and links: the host can come back and an unused link still works', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir });
    const host = await connectHost(first, 'Ada');
    const usedUrl = await createLink(host.socket);
    const unusedUrl = await createLink(host.socket);
    const guest = await joinAsGuest(first, usedUrl, 'Bea');
    await guest.expect('joined');
    await first.close();
    expect((await host.socket.waitClosed()).code).toBe(1001);
    expect((await guest.waitClosed()).code).toBe(1001);

    const second = await startTestServer({ dataDir });
    expect((await request(second, '/healthz')).body).toEqual({ ok: true, sessions: 1 });
    const back = await openHostSocket(second);
    back.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: host.sessionId, hostToken: host.hostToken });
    const welcome = await back.expect('welcome');
    // Bea's socket did not survive the restart, but Bea is still in the session (away, within her grace).
    expect(welcome.session).toEqual({ ...host.welcome.session, guestCount: 1 });
    expect(welcome.guests.map((g) => g.name)).toEqual(['Bea']);

    // Links were made against the first server's URL; the token is what counts.
    const fresh = await joinAsGuest(second, `${second.url}/s/${tokenOf(unusedUrl)}`);
    const joined = await fresh.expect('joined');
    expect(joined.sessionId).toBe(host.sessionId);
    const announced = await back.expect('guest-joined');
    expect(announced.guest.name).toBe('Guest 2'); // Numbering goes on after the restart.

    const reused = await joinAsGuest(second, `${second.url}/s/${tokenOf(usedUrl)}`);
    expect((await reused.expect('error')).error.code).toBe('ERR_LINK_USED');
  });

  it('keeps ended sessions ended, and stores no token in clear', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir });
    const host = await connectHost(first);
    const url = await createLink(host.socket);
    await hostRequest(host.socket, 'end-session');
    await first.close();

    const state = (await storedStateText(dataDir));
    expect(state).toContain(host.sessionId);
    expect(state).not.toContain(host.hostToken);
    expect(state).not.toContain(tokenOf(url));
    expect(strayStateFiles(dataDir)).toEqual([]); // No temporary file left behind.

    const second = await startTestServer({ dataDir });
    expect((await request(second, '/healthz')).body.sessions).toBe(0);
    const guest = await joinAsGuest(second, url);
    expect((await guest.expect('error')).error.code).toBe('ERR_SESSION_ENDED');
  });

  it('re-arms expiry timers after a restart', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir, sessionMaxSeconds: 0.6 });
    const running = await connectHost(first);
    await first.close();

    const second = await startTestServer({ dataDir, sessionMaxSeconds: 0.6 });
    const host = await openHostSocket(second);
    host.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: running.sessionId, hostToken: running.hostToken });
    await host.expect('welcome');
    expect(await host.expect('session-ended', 2000)).toEqual({ type: 'session-ended', reason: 'expired' });
    expect(Date.now() - running.welcome.session.expiresAt).toBeLessThan(1000);
  });

  it('ends at start a session whose end passed while the server was down', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir, sessionMaxSeconds: 0.1 });
    const host = await connectHost(first);
    await first.close();
    await new Promise((resolve) => setTimeout(resolve, 150));
    const second = await startTestServer({ dataDir });
    expect((await request(second, '/healthz')).body.sessions).toBe(0);
    expect(second.logs).toContain(`session ${host.sessionId} ended (expired)`);
  });

  it('prunes a session ended long ago soon after the start', async () => {
    const dataDir = tempDir();
    const endedAt = Date.now() - RECORD_RETENTION_MS - 60_000;
    const old = {
      id: 'old-session-0000000001', isReplay: false, hostName: 'Old', hostEmail: '', origin: '', hostTokenHash: hashToken('x'.repeat(32)),
      startedAt: endedAt - 1000, expiresAt: endedAt, endedAt, endReason: 'expired', guestSeq: 0, publicLinkToken: null, removedGuestIds: [],
    };
    fs.writeFileSync(path.join(dataDir, 'state.json'), JSON.stringify({ version: 1, sessions: [old], links: [], guests: [], hostInvites: [] }));
    const server = await startTestServer({ dataDir });
    await until(() => server.logs.includes('state: pruned 1 old record(s)'), 'the pruning');
    expect((await readState(server)).sessions).toEqual([]);
  });

  it('refuses to start on a corrupt state file, with a readable error', async () => {
    const dataDir = tempDir();
    fs.writeFileSync(path.join(dataDir, 'state.json'), '{ not json');
    await expect(startTestServer({ dataDir })).rejects.toThrow(/state\.json is not valid JSON/);
  });
});

describe('one server per data dir (the file store)', () => {
  it('refuses a second server on a data directory in use, and lets one in once the first stopped or died', async () => {
    const a = await startTestServer();
    await expect(startServer({ ...a.config, port: 0, log: () => {} }))
      .rejects.toThrow(`CWMN_DATA_DIR ${a.config.dataDir} is in use by another cwmn server (process ${process.pid})`);
    await a.close();
    const b = await startTestServer({ dataDir: a.config.dataDir });
    await b.close();
    // A server that died left its lock behind: the next one takes it over.
    fs.writeFileSync(path.join(a.config.dataDir, 'server.lock'), JSON.stringify({ pid: 2 ** 22 + 17, host: os.hostname() }));
    const c = await startTestServer({ dataDir: a.config.dataDir });
    expect((await request(c, '/healthz')).status).toBe(200);
  });

});
