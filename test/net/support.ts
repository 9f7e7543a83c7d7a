// Whether this machine can run the network tests: root, network namespaces, veth
// pairs and iptables inside a namespace. Tests skip with `why` when it cannot.

import { ExecError, exec, run } from './exec.js';
import { removeLink, removeNamespace } from './cleanup.js';
import { ownedName, runPrefix } from './names.js';

/** The answer of `netnsSupport()`; `why` is a sentence fit to print beside a skipped test. */
export type NetnsSupport = { ok: true } | { ok: false; why: string };

let checked: Promise<NetnsSupport> | undefined;

/** Checks once per process, by trying each thing the harness does on a scratch namespace. */
export function netnsSupport(): Promise<NetnsSupport> {
  checked ??= check().catch((err: unknown) => ({ ok: false, why: `the network namespace check failed: ${reason(err)}` }));
  return checked;
}

async function check(): Promise<NetnsSupport> {
  if (process.platform !== 'linux') return { ok: false, why: `network namespace tests need Linux (this is ${process.platform})` };
  const uid = process.getuid?.();
  if (uid !== 0) return { ok: false, why: `network namespace tests need root (running as uid ${uid})` };
  for (const [cmd, pkg] of [['ip', 'iproute2'], ['iptables-restore', 'iptables']] as const) {
    try {
      await run(cmd, ['-V']);
    } catch (err) {
      return { ok: false, why: `\`${cmd}\` does not run (install ${pkg}): ${reason(err)}` };
    }
  }
  const ns = ownedName(runPrefix(), 'probe');
  const veth = ownedName(runPrefix(), 'probe', 'v');
  // A process of a killed run may have had our pid: start from nothing.
  await removeLink(veth);
  await removeNamespace(ns);
  try {
    await run('ip', ['netns', 'add', ns]);
  } catch (err) {
    return { ok: false, why: `\`ip netns add\` fails here (a container without CAP_SYS_ADMIN?): ${reason(err)}` };
  }
  try {
    try {
      await run('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', ns, 'netns', ns]);
    } catch (err) {
      return { ok: false, why: `veth pairs cannot be made here: ${reason(err)}` };
    }
    try {
      await exec(ns, 'iptables-restore', [], { input: '*filter\n:OUTPUT DROP [0:0]\n-A OUTPUT -o lo -j ACCEPT\nCOMMIT\n' });
      await exec(ns, 'iptables', ['-S', 'OUTPUT']);
    } catch (err) {
      return { ok: false, why: `iptables does not work inside a network namespace: ${reason(err)}` };
    }
  } finally {
    await removeLink(veth);
    await removeNamespace(ns);
  }
  if ((await run('ip', ['netns', 'list'])).stdout.split('\n').some((l) => l.split(' ')[0] === ns)) {
    return { ok: false, why: `\`ip netns del\` did not remove the scratch namespace ${ns}` };
  }
  return { ok: true };
}

function reason(err: unknown): string {
  return err instanceof ExecError ? (err.stderr.trim() || err.message) : String(err);
}
