// Proves the network harness: each kind of host reaches (or does not reach) what
// it should, NAT is really applied, coturn relays, and nothing is left behind.

import { readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_IFNAME_LENGTH, createTopology, listLinks, listNamespaces, netnsSupport, removeStale, type NatHome, type NetHost, type Topology,
} from './netns.js';
import { httpGet, startUdpEcho, startUdpEchoIn, tcpConnect, udpExchange, type UdpEcho } from './probe.js';
import { startCoturn, turnRestCredential, type Coturn } from './coturn.js';
import { freePort } from './ports.js';
import { launchInNamespace, type NamespacedBrowser } from './browser.js';
import { isAlive, tempDirPrefix } from './names.js';

const support = await netnsSupport();
if (!support.ok) console.warn(`test/net skipped: ${support.why}`);

const TURN_SECRET = 'net-harness-secret';
const RELAY_PORTS = { min: 49200, max: 49299 };
/** A port the inside hosts listen on for inbound UDP. */
const INBOUND_PORT = 40_000;
/** How long an answer that must not come is waited for. */
const SILENCE_MS = 1_000;

/** Answers every request with the address it came from, as the server sees it. */
async function startWhoAmI(ip: string): Promise<{ server: Server; port: number; origin: string }> {
  const server = createServer((req, res) => res.end(req.socket.remoteAddress ?? ''));
  await new Promise<void>((r) => server.listen(0, ip, r));
  const { port } = server.address() as AddressInfo;
  return { server, port, origin: `http://${ip}:${port}` };
}

/** In a page: gathers ICE candidates through one TURN server only, and reports candidates and errors. */
function gatherRelay(page: Page, iceServer: RTCIceServer): Promise<{ candidates: string[]; errorCodes: number[] }> {
  return page.evaluate(async (server) => {
    const pc = new RTCPeerConnection({ iceServers: [server], iceTransportPolicy: 'relay' });
    const candidates: string[] = [];
    const errorCodes: number[] = [];
    pc.onicecandidate = (e) => e.candidate && candidates.push(e.candidate.candidate);
    pc.onicecandidateerror = (e) => errorCodes.push((e as RTCPeerConnectionIceErrorEvent).errorCode);
    const complete = new Promise<void>((resolve) => {
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
      setTimeout(resolve, 10_000);
    });
    pc.createDataChannel('probe');
    await pc.setLocalDescription(await pc.createOffer());
    await complete;
    pc.close();
    return { candidates, errorCodes };
  }, iceServer);
}

/** In a page: a relay-only peer connection whose candidates and first received message are kept on `window`. */
function preparePeer(page: Page, iceServer: RTCIceServer): Promise<void> {
  return page.evaluate((server) => {
    const w = window as unknown as { pc: RTCPeerConnection; candidates: RTCIceCandidateInit[]; received: Promise<string> };
    w.pc = new RTCPeerConnection({ iceServers: [server], iceTransportPolicy: 'relay' });
    w.candidates = [];
    w.pc.onicecandidate = (e) => e.candidate && w.candidates.push(e.candidate.toJSON());
    w.received = new Promise((resolve) => {
      w.pc.ondatachannel = (e) => (e.channel.onmessage = (m) => resolve(String(m.data)));
    });
  }, iceServer);
}

describe.skipIf(!support.ok)('test networks in namespaces', () => {
  let topology: Topology;
  let web: Awaited<ReturnType<typeof startWhoAmI>>;
  let other: Awaited<ReturnType<typeof startWhoAmI>>;
  let echo: UdpEcho;
  let turn: Coturn;
  let open: NetHost;
  let firewalled: NetHost;
  let masquerade: NatHome;
  let forwarding: NatHome;
  const browsers: NamespacedBrowser[] = [];

  beforeAll(async () => {
    await removeStale();
    topology = await createTopology();
    web = await startWhoAmI(topology.publicIp);
    other = await startWhoAmI(topology.publicIp);
    echo = await startUdpEcho(topology.publicIp);
    const turnPort = await freePort(topology.publicIp, { udp: true });
    turn = await startCoturn({ port: turnPort, auth: { kind: 'rest', secret: TURN_SECRET }, relayPorts: RELAY_PORTS });
    open = await topology.addOpenHost();
    firewalled = await topology.addFirewalledHost([{ ip: topology.publicIp, port: web.port }, { ip: topology.publicIp, port: turnPort }]);
    masquerade = await topology.addNatHome('masquerade');
    forwarding = await topology.addNatHome('forwarding');
  });

  afterAll(async () => {
    for (const b of browsers) await b.close();
    await turn?.stop();
    await echo?.close();
    for (const s of [web, other]) if (s) await new Promise((r) => s.server.close(r));
    if (!topology) return;
    await topology.destroy();
    await topology.destroy(); // idempotent
    const ours = (name: string) => name.startsWith(`${topology.prefix}-`);
    expect((await listNamespaces()).filter(ours)).toEqual([]);
    expect((await listLinks()).filter(ours)).toEqual([]);
    expect(readdirSync(tmpdir()).filter((d) => d.startsWith(tempDirPrefix()))).toEqual([]);
    if (turn) expect(isAlive(turn.pid)).toBe(false);
  });

  it('names every namespace and link with the run prefix, within the interface name limit', async () => {
    const ours = (name: string) => name.startsWith(`${topology.prefix}-`);
    const namespaces = (await listNamespaces()).filter(ours);
    const links = (await listLinks()).filter(ours);
    // Two public hosts and two homes of two namespaces each; the bridge and one veth per cable to it.
    expect(namespaces).toHaveLength(6);
    expect(links).toHaveLength(5);
    for (const name of [...namespaces, ...links]) expect(name.length).toBeLessThanOrEqual(MAX_IFNAME_LENGTH);
  });

  it('every host reaches an HTTP server of the test process; NAT homes show up as their router', async () => {
    const from = [open, firewalled, masquerade.inside, forwarding.inside];
    const answers = await Promise.all(from.map((h) => httpGet(h.ns, `${web.origin}/`)));
    expect(answers).toEqual([open.ip, firewalled.ip, masquerade.router.ip, forwarding.router.ip].map((ip) => ({ status: 200, body: ip })));
  });

  it('the firewall lets through only the TCP it allows', async () => {
    const [blocked, reached] = await Promise.all([
      tcpConnect(firewalled.ns, topology.publicIp, other.port, SILENCE_MS),
      tcpConnect(open.ns, topology.publicIp, other.port),
    ]);
    expect(blocked).toBe('timeout'); // dropped, not refused
    expect(reached).toBe('connected');
  });

  it('no UDP leaves the firewalled host, while the open host gets its echo', async () => {
    const [fromFirewalled, fromOpen] = await Promise.all([
      udpExchange(firewalled.ns, topology.publicIp, echo.port, 'from-firewalled', { timeoutMs: SILENCE_MS }),
      udpExchange(open.ns, topology.publicIp, echo.port, 'from-open'),
    ]);
    expect(fromFirewalled).toMatchObject({ sent: false, error: 'EPERM' }); // refused by OUTPUT DROP
    expect(fromOpen).toMatchObject({ sent: true, reply: 'from-open' });
    expect(await echo.waitFor((m) => m.text === 'from-firewalled', SILENCE_MS)).toBeUndefined();
    expect(echo.messages.find((m) => m.text === 'from-open')?.address).toBe(open.ip);
  });

  it('a host\'s filter can change under it: no UDP (TCP still flows), then everything again', async () => {
    try {
      await topology.setFilter(open, 'no-udp');
      expect(await udpExchange(open.ns, topology.publicIp, echo.port, 'cut', { timeoutMs: SILENCE_MS })).toMatchObject({ sent: false });
      expect(await tcpConnect(open.ns, topology.publicIp, other.port)).toBe('connected');
    } finally {
      await topology.setFilter(open, 'open');
    }
    expect(await udpExchange(open.ns, topology.publicIp, echo.port, 'restored')).toMatchObject({ sent: true, reply: 'restored' });
  });

  it('UDP from inside a home reaches the echo server from its router\'s public address', async () => {
    const homes = [masquerade, forwarding];
    const outcomes = await Promise.all(homes.map((home) => udpExchange(home.inside.ns, topology.publicIp, echo.port, `from-${home.kind}`)));
    for (const [i, home] of homes.entries()) {
      expect(outcomes[i]).toMatchObject({ sent: true, reply: `from-${home.kind}` });
      expect(echo.messages.find((m) => m.text === `from-${home.kind}`)?.address).toBe(home.router.ip);
    }
  });

  it('inbound UDP to a router\'s public address reaches the inside host only through the forwarding router', async () => {
    const listeners = await Promise.all([startUdpEchoIn(masquerade.inside.ns, INBOUND_PORT), startUdpEchoIn(forwarding.inside.ns, INBOUND_PORT)]);
    try {
      const [toMasquerade, toForwarding] = await Promise.all([
        udpExchange(open.ns, masquerade.router.ip, INBOUND_PORT, 'knock-masquerade', { timeoutMs: SILENCE_MS }),
        udpExchange(open.ns, forwarding.router.ip, INBOUND_PORT, 'knock-forwarding'),
      ]);
      expect(toForwarding).toMatchObject({ reply: 'knock-forwarding', from: `${forwarding.router.ip}:${INBOUND_PORT}` });
      expect(await listeners[1]!.waitFor((m) => m.text === 'knock-forwarding')).toMatchObject({ address: open.ip });
      expect(toMasquerade.reply).toBeUndefined();
      expect(await listeners[0]!.waitFor(() => true, SILENCE_MS)).toBeUndefined();
    } finally {
      for (const l of listeners) await l.close();
    }
  });

  it('a home\'s private address is not routed on the public segment', async () => {
    expect(await tcpConnect(open.ns, forwarding.inside.ip, INBOUND_PORT)).toBe('ENETUNREACH');
  });

  it('Chromium runs in the namespace, sees the test origins as secure, and gets a TURN relay over TCP with a REST credential', async () => {
    const browser = await launchInNamespace(firewalled.ns, { secureOrigins: [web.origin] });
    browsers.push(browser);
    const page = await browser.browser.newPage();
    await page.goto(`${web.origin}/`);
    expect(await page.evaluate(() => [document.body.textContent, window.isSecureContext])).toEqual([firewalled.ip, true]);

    const valid = await gatherRelay(page, { urls: turn.url('tcp'), ...turnRestCredential(TURN_SECRET, 'guest-1', 600) });
    expect(valid.errorCodes).toEqual([]);
    expect(valid.candidates).toHaveLength(1);
    const [, address, port, type] = / udp \d+ (\S+) (\d+) typ (\w+)/.exec(valid.candidates[0]!) ?? [];
    expect({ address, type }).toEqual({ address: turn.ip, type: 'relay' });
    expect(Number(port)).toBeGreaterThanOrEqual(RELAY_PORTS.min);
    expect(Number(port)).toBeLessThanOrEqual(RELAY_PORTS.max);

    const expired = await gatherRelay(page, { urls: turn.url('tcp'), ...turnRestCredential(TURN_SECRET, 'guest-1', -60) });
    expect(expired).toEqual({ candidates: [], errorCodes: [401] });
  });

  it('a relay-only data channel opens between the firewalled host (TURN over TCP) and a NAT home (TURN over UDP)', async () => {
    const [a, b] = await Promise.all([launchInNamespace(firewalled.ns), launchInNamespace(masquerade.inside.ns)]);
    browsers.push(a, b);
    const [pa, pb] = await Promise.all([a.browser.newPage(), b.browser.newPage()]);
    const credential = turnRestCredential(TURN_SECRET, 'pair', 600);
    await preparePeer(pa, { urls: turn.url('tcp'), ...credential });
    await preparePeer(pb, { urls: turn.url('udp'), ...credential });
    type W = { pc: RTCPeerConnection; candidates: RTCIceCandidateInit[]; received: Promise<string> };

    // The test process carries the signaling: offer, answer, then candidates both ways.
    const offer = await pa.evaluate(async () => {
      const { pc } = window as unknown as W;
      const channel = pc.createDataChannel('hello');
      channel.onopen = () => channel.send('hello through the relay');
      await pc.setLocalDescription();
      return pc.localDescription!.toJSON();
    });
    const answer = await pb.evaluate(async (o) => {
      const { pc } = window as unknown as W;
      await pc.setRemoteDescription(o);
      await pc.setLocalDescription();
      return pc.localDescription!.toJSON();
    }, offer);
    await pa.evaluate((d) => (window as unknown as W).pc.setRemoteDescription(d), answer);
    const takeCandidates = (p: Page) => p.evaluate(() => (window as unknown as W).candidates.splice(0));
    const addCandidates = (p: Page, list: RTCIceCandidateInit[]) =>
      p.evaluate(async (l) => { for (const c of l) await (window as unknown as W).pc.addIceCandidate(c); }, list);
    let state = 'new';
    for (let i = 0; i < 50 && state !== 'connected' && state !== 'failed'; i++) {
      await addCandidates(pb, await takeCandidates(pa));
      await addCandidates(pa, await takeCandidates(pb));
      state = await pb.evaluate(() => (window as unknown as W).pc.connectionState);
      if (state !== 'connected') await new Promise((r) => setTimeout(r, 200));
    }
    expect(state).toBe('connected');
    expect(await pb.evaluate(() => Promise.race([
      (window as unknown as W).received,
      new Promise((r) => setTimeout(() => r('nothing received'), 5_000)),
    ]))).toBe('hello through the relay');
    const pair = await pb.evaluate(async () => {
      const stats = [...(await (window as unknown as W).pc.getStats()).values()];
      const selected = stats.find((s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded');
      return stats.find((s) => s.id === selected?.localCandidateId)?.candidateType;
    });
    expect(pair).toBe('relay');
  });
});
