// What a socket becomes once it has introduced itself, and what roles need.

import type { RelayMode } from '../../src/protocol/index.js';
import type { LogFn } from '../config.js';
import type { DomainSettings } from '../domain-settings.js';
import type { GuestService } from '../guests.js';
import type { IceProvider } from '../ice/ice-provider.js';
import type { InviteService } from '../invites.js';
import type { LinkService } from '../links.js';
import type { Timings } from '../ops/metrics.js';
import type { OriginPolicy } from '../origins.js';
import type { PublicLinkService } from '../public-links.js';
import type { SessionService } from '../sessions.js';
import type { Store } from '../state/store.js';
import type { Courier } from './courier.js';
import type { LocalSockets } from './local-sockets.js';
import type { Presence } from './presence.js';

/** A host or guest socket after a successful `host-hello` / `guest-join` / `guest-resume`. */
export interface Role {
  /** Handles one text message that followed the introduction; what it starts and does not await reports its own failures. */
  handle(text: string): void | Promise<void>;
  /** The socket closed (for any reason); called once. */
  closed(): void;
}

/** Collaborators of the host and guest roles. */
export interface RoleDeps {
  sessions: SessionService;
  links: LinkService;
  publicLinks: PublicLinkService;
  invites: InviteService;
  guests: GuestService;
  store: Store;
  /** The sockets on this server. */
  local: LocalSockets;
  /** Messages and close orders for sockets on any server. */
  courier: Courier;
  /** Who holds the host's and guests' places, and the graces of those away. */
  presence: Presence;
  origins: OriginPolicy;
  /** Limits per origin (`maxGuests`). */
  domains: DomainSettings;
  /** ICE servers of each host and guest (`welcome`, `joined`). */
  ice: IceProvider;
  /** Where how long admissions take is observed. */
  timings: Pick<Timings, 'observeJoin'>;
  /** The server's relay setting, told to hosts and guests. */
  relay: RelayMode;
  /** Told to hosts: past this many guests, every guest goes through the relay. */
  relayFanoutGuests: number | null;
  log: LogFn;
}
