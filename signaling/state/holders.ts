// Socket holders (see `SocketHolder`): made by one server, read back by others.

import type { SocketHolder } from './store.js';

const HOLDER_PATTERN = /^[A-Za-z0-9_-]{1,64}\/[0-9]{1,15}$/;

/** The holder of socket number `socket` of server `serverId`. */
export function socketHolder(serverId: string, socket: number): SocketHolder {
  return `${serverId}/${socket}`;
}

/** True when `v` is a well-formed holder. */
export function isSocketHolder(v: unknown): v is SocketHolder {
  return typeof v === 'string' && HOLDER_PATTERN.test(v);
}

/** The server a holder belongs to. */
export function holderServer(holder: SocketHolder): string {
  return holder.slice(0, holder.indexOf('/'));
}
