// A test internet: a bridge in the root namespace (the "public" segment, where the
// test process itself is 203.0.113.1), and hosts in namespaces attached to it by
// veth pairs — open, firewalled, or a home behind a NAT router.
//
// Interfaces are named after where they are and what they face: `cw1k2f-h1-br`
// is host h1's end of its cable to the bridge, `cw1k2f-br-h1` the bridge's end.

import { exec, run, sysctl } from './exec.js';
import { listLinks, listNamespaces, removeLink, removeNamespace } from './cleanup.js';
import { ownedName, runPrefix } from './names.js';
import { firewallRules, natRules, noUdpRules, openRules, type NatKind, type TcpEndpoint } from './rules.js';
import {
  HOME_PREFIX_LENGTH, HOMES_NET, HOMES_PREFIX_LENGTH, PUBLIC_GATEWAY_IP, PUBLIC_PREFIX_LENGTH, homeIps, publicHostIp,
} from './addresses.js';

export type { NatKind, TcpEndpoint };

/** A machine of the test network: a namespace and its address. */
export interface NetHost {
  /** The namespace to run things in (`exec`, `spawnIn`, `launchInNamespace`). */
  ns: string;
  /** Its address: public (203.0.113.x) for open and firewalled hosts and routers, private (198.51.100.x) inside a home. */
  ip: string;
}

/** A home: an inside host that reaches the public segment only through its NAT router. */
export interface NatHome {
  kind: NatKind;
  /** The router; `ip` is its public address, the source the world sees for the inside host. */
  router: NetHost;
  /** The host behind it; `ip` is private, its default route goes via the router. */
  inside: NetHost;
}

/** A running test network. */
export interface Topology {
  /** Start of every name it created (`cw` + pid in base 36). */
  readonly prefix: string;
  /** The bridge of the public segment (root namespace). */
  readonly bridge: string;
  /** The test process's address on the public segment: bind servers here. */
  readonly publicIp: string;
  /** A host directly on the public segment. */
  addOpenHost(): Promise<NetHost>;
  /** A public host whose firewall drops everything but replies and new TCP connections to `allowTcp`. */
  addFirewalledHost(allowTcp: readonly TcpEndpoint[]): Promise<NetHost>;
  /** A router on the public segment with one host behind it. */
  addNatHome(kind: NatKind): Promise<NatHome>;
  /** Changes the filter of a public host now: `no-udp` cuts every UDP flow (established ones too), `open` lets all through. */
  setFilter(host: NetHost, filter: 'no-udp' | 'open'): Promise<void>;
  /** Removes every namespace and link it made, killing what still runs in them. Idempotent. */
  destroy(): Promise<void>;
}

let current: Topology | undefined;

/** Makes the public segment. One topology per process at a time (there is one 203.0.113.1). */
export async function createTopology(): Promise<Topology> {
  if (current) throw new Error('a topology of this process is still up: destroy() it first');
  const prefix = runPrefix();
  await removeOwnLeftovers(prefix);
  await assertGatewayFree();

  const bridge = ownedName(prefix, 'br');
  const links: string[] = [];
  const namespaces: string[] = [];
  let hosts = 0;
  let publicHosts = 0;
  let homes = 0;
  let destroyed: Promise<void> | undefined;

  const ip = (...args: string[]) => run('ip', args);
  const nsIp = (ns: string, ...args: string[]) => run('ip', ['-n', ns, ...args]);

  const addNamespace = async (name: string): Promise<string> => {
    const ns = ownedName(prefix, name);
    namespaces.push(ns);
    await ip('netns', 'add', ns);
    await nsIp(ns, 'link', 'set', 'lo', 'up');
    return ns;
  };

  // IPv4 only: a link-local IPv6 path between namespaces would bypass the firewalls and NATs.
  const ipv4Only = (ns: string) => sysctl(ns, { 'net.ipv6.conf.all.disable_ipv6': 1, 'net.ipv6.conf.default.disable_ipv6': 1 });

  /** Cables namespace `ns` (called `name`) to the bridge and gives its end `address`. */
  const attachToBridge = async (ns: string, name: string, address: string): Promise<string> => {
    const outside = ownedName(prefix, 'br', name);
    const inside = ownedName(prefix, name, 'br');
    links.push(outside);
    await ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside, 'netns', ns);
    await ip('link', 'set', outside, 'master', bridge, 'up');
    await nsIp(ns, 'addr', 'add', `${address}/${PUBLIC_PREFIX_LENGTH}`, 'dev', inside);
    await nsIp(ns, 'link', 'set', inside, 'up');
    return inside;
  };

  const addPublicHost = async (allowTcp?: readonly TcpEndpoint[]): Promise<NetHost> => {
    const name = `h${++hosts}`;
    const address = publicHostIp(publicHosts++);
    const ns = await addNamespace(name);
    await attachToBridge(ns, name, address);
    await ipv4Only(ns);
    if (allowTcp) await exec(ns, 'iptables-restore', [], { input: firewallRules(allowTcp) });
    return { ns, ip: address };
  };

  const topology: Topology = {
    prefix,
    bridge,
    publicIp: PUBLIC_GATEWAY_IP,
    addOpenHost: () => addPublicHost(),
    addFirewalledHost: (allowTcp) => addPublicHost(allowTcp),
    async setFilter(host, filter) {
      await exec(host.ns, 'iptables-restore', [], { input: filter === 'no-udp' ? noUdpRules() : openRules() });
    },
    async addNatHome(kind) {
      const n = ++homes;
      const { routerIp, insideIp } = homeIps(n);
      const publicAddress = publicHostIp(publicHosts++);
      const routerNs = await addNamespace(`r${n}`);
      const insideNs = await addNamespace(`i${n}`);
      const publicIf = await attachToBridge(routerNs, `r${n}`, publicAddress);
      const routerLan = ownedName(prefix, `r${n}`, `i${n}`);
      const insideLan = ownedName(prefix, `i${n}`, `r${n}`);
      await ip('link', 'add', routerLan, 'netns', routerNs, 'type', 'veth', 'peer', 'name', insideLan, 'netns', insideNs);
      await nsIp(routerNs, 'addr', 'add', `${routerIp}/${HOME_PREFIX_LENGTH}`, 'dev', routerLan);
      await nsIp(routerNs, 'link', 'set', routerLan, 'up');
      await nsIp(insideNs, 'addr', 'add', `${insideIp}/${HOME_PREFIX_LENGTH}`, 'dev', insideLan);
      await nsIp(insideNs, 'link', 'set', insideLan, 'up');
      await nsIp(insideNs, 'route', 'add', 'default', 'via', routerIp);
      await ipv4Only(routerNs);
      await ipv4Only(insideNs);
      await sysctl(routerNs, { 'net.ipv4.ip_forward': 1 });
      await exec(routerNs, 'iptables-restore', [], { input: natRules(kind, publicIf, insideIp) });
      return { kind, router: { ns: routerNs, ip: publicAddress }, inside: { ns: insideNs, ip: insideIp } };
    },
    destroy() {
      destroyed ??= (async () => {
        // Root-side links first (each veth takes its peer along at once), then the
        // bridge, then the namespaces with whatever still runs in them.
        for (const link of links) await removeLink(link);
        await removeLink(bridge);
        for (const ns of namespaces) await removeNamespace(ns);
        if (current === topology) current = undefined;
      })();
      return destroyed;
    },
  };
  current = topology;

  try {
    await ip('link', 'add', bridge, 'type', 'bridge');
    await run('sysctl', ['-q', '-w', `net.ipv6.conf.${bridge}.disable_ipv6=1`]);
    await ip('addr', 'add', `${PUBLIC_GATEWAY_IP}/${PUBLIC_PREFIX_LENGTH}`, 'dev', bridge);
    await ip('link', 'set', bridge, 'up');
    // The homes' private range is unroutable on this internet: without this route the
    // root namespace (coturn relaying to a private candidate) would send it out eth0.
    await ip('route', 'add', `${HOMES_NET}/${HOMES_PREFIX_LENGTH}`, 'dev', bridge);
  } catch (err) {
    await topology.destroy();
    throw err;
  }
  return topology;
}

/** Anything named with our prefix is from a killed process that had our pid before. */
async function removeOwnLeftovers(prefix: string): Promise<void> {
  const ours = (name: string) => name.startsWith(`${prefix}-`);
  for (const link of (await listLinks()).filter(ours)) await removeLink(link);
  for (const ns of (await listNamespaces()).filter(ours)) await removeNamespace(ns);
}

/** Two public segments cannot share 203.0.113.1: say who holds it instead of failing obscurely. */
async function assertGatewayFree(): Promise<void> {
  const { stdout } = await run('ip', ['-o', '-4', 'addr', 'show']);
  const holder = stdout.split('\n').find((line) => line.includes(` inet ${PUBLIC_GATEWAY_IP}/`));
  if (holder) throw new Error(`${PUBLIC_GATEWAY_IP} is already on ${holder.split(/\s+/)[1]} (another test network is up)`);
}
