// Names of what the harness creates. Every namespace, bridge and veth of a run
// starts with `cw` + the creating process's pid in base 36 + `-`, so leftovers of a
// killed run can be told from those of a run still going on (its pid is alive).

/** Start of every name the harness creates. */
export const NAME_PREFIX = 'cw';
/** Linux's limit on interface names (IFNAMSIZ less the terminating NUL). */
export const MAX_IFNAME_LENGTH = 15;

// A run prefix alone, or a prefix, `-` and the rest of a name.
const OWNED = /^cw([0-9a-z]{1,5})(?:-[0-9a-z-]+)?$/;

/** The prefix of the names made by process `pid` (default: this one), e.g. `cw1k2f`. */
export function runPrefix(pid: number = process.pid): string {
  return `${NAME_PREFIX}${pid.toString(36)}`;
}

/** Joins a run prefix and parts (`cw1k2f-br-h1`); throws when the result would not fit an interface name. */
export function ownedName(prefix: string, ...parts: string[]): string {
  const name = [prefix, ...parts].join('-');
  if (name.length > MAX_IFNAME_LENGTH || !OWNED.test(name)) throw new Error(`bad harness name ${name}`);
  return name;
}

/** The pid of the process whose run made `name`, or undefined when the harness did not make it. */
export function ownerPid(name: string): number | undefined {
  const m = OWNED.exec(name);
  return m ? parseInt(m[1]!, 36) : undefined;
}

/** Whether a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A harness name (or run prefix) whose run is over: its process is gone. */
export function isStale(name: string): boolean {
  const pid = ownerPid(name);
  return pid !== undefined && !isAlive(pid);
}

/** Start of the temp directories of this run (browser scripts, coturn logs), under `os.tmpdir()`. */
export function tempDirPrefix(prefix: string = runPrefix()): string {
  return `cwmn-net-${prefix}-`;
}

/** The run prefix a temp directory name carries, or undefined when it is not the harness's. */
export function tempDirOwner(dirName: string): string | undefined {
  return /^cwmn-net-(cw[0-9a-z]{1,5})-/.exec(dirName)?.[1];
}
