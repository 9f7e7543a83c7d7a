// The address plan of test networks. Only documentation ranges: the machine's own
// interface is in 192.0.2.0/24, and the private ranges are never used.

/** The root namespace's address on the public segment: the test's servers and coturn listen here. */
export const PUBLIC_GATEWAY_IP = '203.0.113.1';
/** The public segment, 203.0.113.0/24. */
export const PUBLIC_NET = '203.0.113.0';
export const PUBLIC_PREFIX_LENGTH = 24;
/** Public hosts and routers get 203.0.113.10, .11, … in the order they are added. */
const FIRST_PUBLIC_HOST = 10;
const LAST_PUBLIC_HOST = 254;

/** Homes behind NAT share 198.51.100.0/24, one /28 each. */
export const HOMES_NET = '198.51.100.0';
export const HOMES_PREFIX_LENGTH = 24;
export const HOME_PREFIX_LENGTH = 28;
const HOME_SIZE = 16;
const MAX_HOMES = 256 / HOME_SIZE;

/** The public address of the `index`-th public host or router (0-based). */
export function publicHostIp(index: number): string {
  const octet = FIRST_PUBLIC_HOST + index;
  if (!Number.isInteger(index) || index < 0 || octet > LAST_PUBLIC_HOST) throw new RangeError(`no public address left for host #${index}`);
  return `203.0.113.${octet}`;
}

/** The private addresses of home `n` (1-based): home 1 is 198.51.100.0/28, home 2 198.51.100.16/28, … */
export function homeIps(n: number): { routerIp: string; insideIp: string } {
  if (!Number.isInteger(n) || n < 1 || n > MAX_HOMES) throw new RangeError(`no private range left for home #${n}`);
  const base = (n - 1) * HOME_SIZE;
  return { routerIp: `198.51.100.${base + 1}`, insideIp: `198.51.100.${base + 2}` };
}
