// Source addresses on loopback: the server limits socket opens and session
// creations per client address (an office behind one NAT gets 240 opens and
// 120 sessions a minute), so the load comes from many addresses of 127.0.0.0/8,
// as many clients would. Linux routes all of 127/8 to `lo`.

/** The `index`th address of block `block` (1–254): 127.<block>.<high byte>.<low byte>, never .0 or .255. */
export function loopbackAddress(block: number, index: number): string {
  const n = index % (254 * 254);
  return `127.${block}.${1 + Math.floor(n / 254)}.${1 + (n % 254)}`;
}

/** Address blocks of the load tool's clients. */
export const ADDRESS_BLOCK = { sessions: 2, hostSockets: 3, guestSockets: 4 } as const;

/**
 * Where the client's sockets come from: `addresses` addresses of a block from its first, taken in turn (sockets
 * opened at once come from different addresses, as from many clients), as many as keep each under the server's 240
 * socket opens per minute per address (see `addressPlan`).
 */
export interface AddressPlan {
  block: number;
  firstAddress: number;
  addresses: number;
}

/** The addresses of `block` for `sockets` sockets, `perAddress` at most from each. */
export function addressPlan(block: number, sockets: number, perAddress: number): AddressPlan {
  return { block, firstAddress: 0, addresses: Math.max(1, Math.ceil(sockets / perAddress)) };
}
