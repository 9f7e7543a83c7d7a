// Presence over a store and a bus shared by two "servers" (two sets of local
// sockets): places taken and released, graces seen out by the store's timers.

import { afterEach, describe, expect, it } from 'vitest';
import type { ServerToGuest, ServerToHost } from '../../../src/protocol/index.js';
import { MemoryBus } from '../../../signaling/bus/memory-bus.js';
import { GuestService } from '../../../signaling/guests.js';
import { LinkService } from '../../../signaling/links.js';
import { SessionService } from '../../../signaling/sessions.js';
import { MemoryStore } from '../../../signaling/state/memory-store.js';
import { StoreTimers } from '../../../signaling/timers.js';
import type { Client } from '../../../signaling/ws/client.js';
import { Courier } from '../../../signaling/ws/courier.js';
import { LocalSockets } from '../../../signaling/ws/local-sockets.js';
import { Presence } from '../../../signaling/ws/presence.js';

const HOST_GRACE_MS = 300;
const GUEST_GRACE_MS = 200;
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A socket that records what it was sent (parsed) and the codes it was closed with. */
function fakeClient<T extends ServerToHost | ServerToGuest>() {
  const sent: T[] = [];
  const closes: number[] = [];
  const client = {
    send: (m: T) => sent.push(m),
    sendText: (text: string) => sent.push(JSON.parse(text) as T),
    close: (code: number) => closes.push(code),
  } as unknown as Client<T>;
  return { client, sent, closes };
}

/** The services of one server on a shared store and bus. */
function serverOn(store: MemoryStore, bus: MemoryBus, serverId: string) {
  const sessions = new SessionService({ store, sessionMaxSeconds: 3600, log: () => {} });
  const guests = new GuestService({ store, sessions });
  const local = new LocalSockets(bus, serverId);
  const courier = new Courier(bus);
  sessions.whenEnded((id, reason) => courier.ended(id, reason));
  const presence = new Presence({
    store, sessions, guests, local, courier, serverId, hostGraceMs: HOST_GRACE_MS, guestGraceMs: GUEST_GRACE_MS, log: () => {},
  });
  const timers = new StoreTimers(store, {
    expiry: (id) => sessions.end(id, 'expired'),
    'host-grace': (id) => presence.hostGraceOver(id),
    'guest-grace': (id) => presence.guestGraceOver(id),
    'server-lease': (id) => presence.serverGone(id),
    prune: async () => {},
  }, () => {});
  timers.start();
  closers.push(() => timers.close(), () => sessions.close(), () => local.close());
  return { sessions, guests, local, courier, presence, timers };
}

async function setup() {
  const store = new MemoryStore();
  const bus = new MemoryBus();
  closers.push(() => bus.close());
  const a = serverOn(store, bus, 'server-a');
  const b = serverOn(store, bus, 'server-b');
  const { session } = await a.sessions.create({ hostName: 'Ada', hostEmail: '', isReplay: false, origin: '' });
  const admit = async (name: string) => {
    const link = await new LinkService({ store, linkTtlSeconds: 60, publicUrl: 'https://co.example' }).create(session.id);
    const admission = await a.guests.admit(link.url.split('/').pop()!, name);
    if (!admission.ok) throw new Error(admission.error.message);
    return admission.record;
  };
  return { store, a, b, session, admit };
}

/** A session whose host is connected to the first server and its guest to the second. */
async function spread() {
  const deployment = await setup();
  const { a, b, session, admit } = deployment;
  const host = fakeClient<ServerToHost>();
  (await a.presence.hostArrived(session.id, host.client)).open();
  const record = await admit('Bea');
  const guest = fakeClient<ServerToGuest>();
  (await b.presence.guestArrived(session.id, record.id, guest.client)).open();
  return { ...deployment, host, record, guest };
}

/** Lets deliveries published so far arrive. */
const delivered = () => sleep(0);

describe('Presence', () => {
  it('lets an away guest go after the guest grace, telling the host once, wherever its socket was', async () => {
    const { store, a, b, session, host, record, guest } = await spread();
    await b.presence.guestDeparted(session.id, record.id, guest.client, false);
    await sleep(GUEST_GRACE_MS / 2);
    expect((await store.getGuest(record.id))?.leftAt).toBeNull();
    await sleep(GUEST_GRACE_MS + 150);
    expect(host.sent).toEqual([{ type: 'guest-left', guestId: record.id }]);
    expect((await store.getGuest(record.id))?.leftAt).toEqual(expect.any(Number));
  });

  it('keeps a guest that resumed on the other server, and closes its old socket there with 4000', async () => {
    const { store, a, b, session, admit } = await setup();
    const record = await admit('Bea');
    const first = fakeClient<ServerToGuest>();
    (await a.presence.guestArrived(session.id, record.id, first.client)).open();
    const second = fakeClient<ServerToGuest>();
    (await b.presence.guestArrived(session.id, record.id, second.client)).open();
    await delivered();
    expect(first.closes).toEqual([4000]);
    // The old socket's close comes late: it no longer holds the place, so the guest is not away.
    await a.presence.guestDeparted(session.id, record.id, first.client, false);
    expect(await store.guestHolder(record.id)).toMatch(/^server-b\//);
    a.courier.toGuest(session.id, record.id, { type: 'signal', data: { sdp: 'x' } as never });
    await sleep(GUEST_GRACE_MS + 150);
    expect(second.sent).toEqual([{ type: 'signal', data: { sdp: 'x' } }]);
    expect(first.sent).toEqual([]);
    expect((await store.getGuest(record.id))?.leftAt).toBeNull();
  });

  it('holds messages for a socket until it is opened, then sends them in order', async () => {
    const { a, session } = await setup();
    const host = fakeClient<ServerToHost>();
    const arrived = await a.presence.hostArrived(session.id, host.client);
    a.courier.toHost(session.id, { type: 'guest-left', guestId: 'g1' });
    await delivered();
    expect(host.sent).toEqual([]);
    host.client.send({ type: 'guest-left', guestId: 'welcome-stand-in' });
    arrived.open();
    expect(host.sent.map((m) => m.type === 'guest-left' && m.guestId)).toEqual(['welcome-stand-in', 'g1']);
  });

  it('ends a session whose host does not come back, and not one whose host came back on another server', async () => {
    const { a, b, session } = await setup();
    const other = (await a.sessions.create({ hostName: 'Cy', hostEmail: '', isReplay: false, origin: '' })).session;
    const hosts = [fakeClient<ServerToHost>(), fakeClient<ServerToHost>(), fakeClient<ServerToHost>()];
    (await a.presence.hostArrived(session.id, hosts[0]!.client)).open();
    (await a.presence.hostArrived(other.id, hosts[1]!.client)).open();
    await a.presence.hostDeparted(session.id, hosts[0]!.client);
    await a.presence.hostDeparted(other.id, hosts[1]!.client);
    await sleep(HOST_GRACE_MS / 2);
    (await b.presence.hostArrived(other.id, hosts[2]!.client)).open();
    await sleep(HOST_GRACE_MS + 200);
    expect((await a.sessions.get(session.id))?.endReason).toBe('host-ended');
    expect((await a.sessions.get(other.id))?.endedAt).toBeNull();
  });

  it('after a restart, puts every unheld place of a running session away, except unclaimed invitations and replays', async () => {
    const first = await setup();
    const record = await first.admit('Bea');
    const unclaimed = (await first.a.sessions.create({ hostName: 'Bob', hostEmail: '', isReplay: false, origin: '' })).session;
    const replay = (await first.a.sessions.create({ hostName: 'Rae', hostEmail: '', isReplay: true, origin: '' })).session;

    const store = new MemoryStore(first.store.snapshot());
    const bus = new MemoryBus();
    closers.push(() => bus.close());
    const again = serverOn(store, bus, 'server-c');
    await again.presence.restore(async (id) => id === unclaimed.id);
    await sleep(GUEST_GRACE_MS + 150);
    expect((await store.getGuest(record.id))?.leftAt).toEqual(expect.any(Number));
    await sleep(HOST_GRACE_MS);
    expect((await store.getSession(first.session.id))?.endReason).toBe('host-ended');
    expect((await store.getSession(unclaimed.id))?.endedAt).toBeNull();
    expect((await store.getSession(replay.id))?.endedAt).toBeNull();
  });

  it('closes everyone of an ended session on every server, and what they do after announces nothing', async () => {
    const { store, a, b, session, host, record, guest } = await spread();
    await b.sessions.end(session.id, 'expired');
    await delivered();
    expect(guest.sent).toEqual([{ type: 'session-ended', reason: 'expired' }]);
    expect(guest.closes).toEqual([1000]);
    expect(host.sent).toEqual([{ type: 'session-ended', reason: 'expired' }]);
    expect(host.closes).toEqual([1000]);
    await b.presence.guestDeparted(session.id, record.id, guest.client, false);
    await a.presence.hostDeparted(session.id, host.client);
    expect(await store.takeDueTimers(Date.now() + 60_000, 10)).toEqual([]);
  });

  it('sees to the places of a server that stopped without a word once its lease runs out, and not to those of one that was late', async () => {
    const { store, b, session, host, record, admit } = await spread();
    const bus = new MemoryBus();
    closers.push(() => bus.close());
    const c = serverOn(store, bus, 'server-c');
    const late = await admit('Dee');
    const kept = fakeClient<ServerToGuest>();
    (await c.presence.guestArrived(session.id, late.id, kept.client)).open();
    // b dies, c is cut off for a while: neither takes timers nor renews its lease.
    await Promise.all([b.timers.close(), c.timers.close()]);
    for (const server of ['server-b', 'server-c']) await store.scheduleTimer({ kind: 'server-lease', key: server, at: Date.now() + 50 });
    await sleep(250);
    await store.scheduleTimer({ kind: 'server-lease', key: 'server-c', at: Date.now() + 60_000 }); // c is back and renews.
    expect(host.sent).toEqual([]);
    await sleep(GUEST_GRACE_MS + 200);
    expect(host.sent).toEqual([{ type: 'guest-left', guestId: record.id }]);
    expect((await store.getGuest(late.id))?.leftAt).toBeNull();
  });
});
