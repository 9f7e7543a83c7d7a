// Test networks in Linux network namespaces: the entry point tests import.
// Each concern lives in its own module; this file only re-exports.
//
//   const support = await netnsSupport();          // describe.skipIf(!support.ok)
//   await removeStale();                           // what killed runs left
//   const net = await createTopology();            // the test process is 203.0.113.1
//   const guest = await net.addFirewalledHost([{ ip: net.publicIp, port }]);
//   const home = await net.addNatHome('masquerade');
//   … launchInNamespace(home.inside.ns, …) (browser.ts), startCoturn (coturn.ts) …
//   await net.destroy();

export { netnsSupport, type NetnsSupport } from './support.js';
export { createTopology, type NatHome, type NetHost, type Topology } from './topology.js';
export { removeStale, listLinks, listNamespaces } from './cleanup.js';
export { exec, run, spawnIn, sysctl, ExecError, EXEC_TIMEOUT_MS, type ExecOptions, type ExecResult } from './exec.js';
export { firewallRules, natRules, type NatKind, type TcpEndpoint } from './rules.js';
export { NAME_PREFIX, MAX_IFNAME_LENGTH, runPrefix } from './names.js';
export { PUBLIC_GATEWAY_IP, homeIps, publicHostIp } from './addresses.js';
