// The store interface behind which all session, link, guest and hosting-invite
// state lives. Every call is async, so the same interface fits a store in this
// process (memory-store.ts, persisted by the journal) and a store shared by
// several servers. Whatever the server decides by reading and then writing is
// one named operation here, atomic in every implementation: a link is spent
// once, a session ends once, a limit is never exceeded, whoever the caller.

import type { EndReason } from '../../src/protocol/index.js';
import type { RateLimit } from '../rate-limit.js';
import type {
  GuestStoreRecord, HandoffRecord, HostInviteRecord, LinkRecord, SessionRecord, StoreSnapshot, StoreTable, StoreTables,
} from './records.js';
import type { ReplayStore } from './replay-store.js';
import type { AdmissionRefusal, InviteRefusal } from './rules.js';

/** A guest to admit through an invite link (see `Store.admitGuest`). */
export interface GuestAdmission {
  /** Hash of the link token the guest presented. */
  linkTokenHash: string;
  /** The guest to store; an empty `name` stores the numbered default name ("Guest N"). */
  guest: Pick<GuestStoreRecord, 'id' | 'name' | 'joinedAt' | 'resumeTokenHash'>;
  /** How many guests (not left) the session may hold; null: no limit. */
  maxGuests: number | null;
  /** Epoch milliseconds: when the link is spent, and what it is checked against. */
  now: number;
}

/** Result of `admitGuest`: the guest admitted, or why not (with the records the reason is about, when they exist). */
export type AdmissionResult =
  | { ok: true; session: SessionRecord; link: LinkRecord; guest: GuestStoreRecord }
  | { ok: false; reason: AdmissionRefusal; session?: SessionRecord; link?: LinkRecord };

/** The public link to turn on: its token (kept in clear on the session) and the token's hash. */
export interface NewPublicLink {
  token: string;
  tokenHash: string;
}

/** Result of `setPublicLink`: the session as it is now, or why nothing changed. */
export type PublicLinkResult =
  | { ok: true; session: SessionRecord }
  | { ok: false; reason: 'not-found' } | { ok: false; reason: 'ended'; session: SessionRecord };

/** What `createHostInvite` stores at once: the invite's session, its links and the invite. */
export interface NewHostInvite {
  session: SessionRecord;
  links: LinkRecord[];
  invite: HostInviteRecord;
}

/** Result of claiming a hosting invite or adding a claim token to it: the records now, or why not. */
export type InviteResult =
  | { ok: true; session: SessionRecord; invite: HostInviteRecord }
  | { ok: false; reason: 'invalid' } | { ok: false; reason: InviteRefusal; session: SessionRecord; invite: HostInviteRecord };

/**
 * Which socket holds a place in a session (the host's, or one guest's): the
 * id of the server it is connected to and the socket's id there, as
 * `<serverId>/<socketId>`. Places are live state: they survive neither a
 * restart of a one-server store nor the socket.
 */
export type SocketHolder = string;

/**
 * What a stored timer is for: a session's expiry, an away host's grace, an
 * away guest's grace, a server's lease (renewed while it runs: one that runs
 * out is a server that stopped without a word), the next pruning of the store.
 */
export type TimerKind = 'expiry' | 'host-grace' | 'guest-grace' | 'server-lease' | 'prune';

/** A place a socket holds: the host's of a session, or a guest's. */
export type HeldPlace =
  | { role: 'host'; sessionId: string; holder: SocketHolder }
  | { role: 'guest'; guestId: string; holder: SocketHolder };

/**
 * A timer kept in the store, so that with several servers exactly one of them
 * fires it: `takeDueTimers` hands each due timer to one caller only. `key` is
 * a session id (expiry, host grace) or a guest id (guest grace).
 */
export interface StoredTimer {
  kind: TimerKind;
  key: string;
  /** Epoch milliseconds: due from then on. */
  at: number;
}

/** Result of `takeRateTokens`. */
export interface RateTake {
  /** Whether the tokens were taken (false: over the limit, nothing taken). */
  allowed: boolean;
  /** Milliseconds until the bucket holds one token again (0 when it does). */
  msUntilToken: number;
}

/**
 * Session, link, guest and hosting-invite state, replays (see
 * replay-store.ts), and the live state servers share: socket places, timers,
 * handoffs, rate-limit buckets. Records are values: what a call returns is
 * never changed later.
 */
export interface Store {
  /** The replays' part of the store. */
  readonly replays: ReplayStore;

  getSession(id: string): Promise<SessionRecord | undefined>;
  allSessions(): Promise<SessionRecord[]>;
  getLink(tokenHash: string): Promise<LinkRecord | undefined>;
  allLinks(): Promise<LinkRecord[]>;
  getGuest(id: string): Promise<GuestStoreRecord | undefined>;
  /** The guests ever admitted to a session (left ones too), in no particular order. */
  sessionGuests(sessionId: string): Promise<GuestStoreRecord[]>;
  allGuests(): Promise<GuestStoreRecord[]>;
  /** The invite one of whose claim tokens hashes to `tokenHash`. */
  findHostInviteByToken(tokenHash: string): Promise<HostInviteRecord | undefined>;
  /** The invites whose join code hashes to `codeHash` (a code is reused only once its invite is dead). */
  findHostInvitesByJoinCode(codeHash: string): Promise<HostInviteRecord[]>;
  /** The hosting invites of a session. */
  sessionHostInvites(sessionId: string): Promise<HostInviteRecord[]>;
  allHostInvites(): Promise<HostInviteRecord[]>;

  /** Stores a new session. */
  createSession(record: SessionRecord): Promise<void>;
  /** Stores a new link. */
  createLink(record: LinkRecord): Promise<void>;
  /**
   * Stores a hosting invite with its session and links, unless its join code is
   * in use: another invite has it and could still be claimed at `now`.
   */
  createHostInvite(made: NewHostInvite, now: number): Promise<{ ok: true } | { ok: false; reason: 'code-in-use' }>;

  /**
   * Admits a guest through a link, at most once per one-time link: checks the
   * link and its session (refusals in the order of `admissionRefusal`), then
   * spends a one-time link, counts the guest (`guestSeq`) and stores it. A full
   * session spends nothing.
   */
  admitGuest(admission: GuestAdmission): Promise<AdmissionResult>;
  /** Notes that a guest left for good at `at`; false when it is unknown or had left already. */
  markGuestLeft(guestId: string, at: number): Promise<boolean>;
  /** The host removed a guest: remembered on its session (it may not resume) and the guest left at `at`. */
  removeGuest(sessionId: string, guestId: string, at: number): Promise<void>;
  /** Ends a running session; returns the ended session when this call ended it, null when it was not running. */
  endSession(sessionId: string, reason: EndReason, at: number): Promise<SessionRecord | null>;
  /** Turns a link off for good at `at`; false when it is unknown or off already. */
  revokeLink(tokenHash: string, at: number): Promise<boolean>;
  /**
   * Turns the public link of a running session on (with `link`, unless one is
   * on already) or off (`null`: the current one is revoked). Asking for the
   * current state changes nothing.
   */
  setPublicLink(sessionId: string, link: NewPublicLink | null, now: number): Promise<PublicLinkResult>;
  /** Claims a hosting invite by one of its tokens, once: the session gets `hostTokenHash`, the invite is claimed at `now`. */
  claimHostInvite(tokenHash: string, hostTokenHash: string, now: number): Promise<InviteResult>;
  /**
   * Adds a claim token to an invite that can still be claimed, keeping its
   * first token (the host link's) and the latest `keep` tokens added before.
   */
  addHostInviteToken(inviteId: string, tokenHash: string, keep: number, now: number): Promise<InviteResult>;
  /** Withdraws a hosting invite at `at` (its mail could not be delivered). No-op when unknown or withdrawn already. */
  revokeHostInvite(inviteId: string, at: number): Promise<void>;
  /** Makes `holder` the socket of the session's host; resolves to the holder it replaced (null when none, or the same). */
  holdHost(sessionId: string, holder: SocketHolder): Promise<SocketHolder | null>;
  /** Lets go of the host's place if `holder` still has it (a newer socket may have replaced it); true when it did. */
  releaseHost(sessionId: string, holder: SocketHolder): Promise<boolean>;
  /** The socket of the session's host, or null while no host is connected. */
  hostHolder(sessionId: string): Promise<SocketHolder | null>;
  /** Makes `holder` the socket of a guest; resolves to the holder it replaced (null when none, or the same). */
  holdGuest(guestId: string, holder: SocketHolder): Promise<SocketHolder | null>;
  /** Lets go of a guest's place if `holder` still has it; true when it did. */
  releaseGuest(guestId: string, holder: SocketHolder): Promise<boolean>;
  /** The socket of a guest, or null while it is away (or gone). */
  guestHolder(guestId: string): Promise<SocketHolder | null>;
  /** The places held by sockets of server `serverId` (a walk over every place: for a server that is gone, not for hot paths). */
  placesHeldBy(serverId: string): Promise<HeldPlace[]>;

  /** Sets a timer (replacing the one of the same kind and key, if any). */
  scheduleTimer(timer: StoredTimer): Promise<void>;
  /** Cancels the timer of that kind and key; no-op when there is none. */
  cancelTimer(kind: TimerKind, key: string): Promise<void>;
  /** When the timer of that kind and key is due, or null when there is none (it fired, or was cancelled). */
  timerAt(kind: TimerKind, key: string): Promise<number | null>;
  /**
   * Takes up to `limit` timers due at `now` (earliest first) out of the store
   * and returns them: each timer is returned to one caller only, however many
   * servers take at the same time.
   */
  takeDueTimers(now: number, limit: number): Promise<StoredTimer[]>;

  /**
   * Stores a session's handoff, replacing the session's previous one (whose
   * token then leads nowhere); it is gone at its `expiresAt` by itself.
   */
  putHandoff(handoff: HandoffRecord, now: number): Promise<void>;
  /** The handoff whose token hashes to `tokenHash`, if it is live at `now`. Takes nothing. */
  getHandoff(tokenHash: string, now: number): Promise<HandoffRecord | undefined>;
  /** Takes that handoff out of the store: of all callers at the same time, one gets it, the others undefined. */
  takeHandoff(tokenHash: string, now: number): Promise<HandoffRecord | undefined>;
  /** Drops the session's handoff; no-op when it has none. */
  dropHandoff(sessionId: string): Promise<void>;

  /**
   * Takes `n` tokens at `now` from the bucket named `bucket` (a token bucket
   * of `limit`, see rate-limit.ts; `n` = 0 only reads it): never more than
   * the bucket holds, however many take at the same time. A bucket is
   * forgotten once it is full again, as if never seen.
   */
  takeRateTokens(bucket: string, limit: RateLimit, now: number, n: number): Promise<RateTake>;

  /** Deletes records by key (see `rowKey`); unknown keys are skipped. */
  deleteRecords(keys: RecordKeys): Promise<void>;

  /** Finishes what is being written, then lets go of what the store holds (files, connections). Idempotent. */
  close(): Promise<void>;
}

/** Keys of records, per table. */
export type RecordKeys = Partial<Record<StoreTable, string[]>>;

/**
 * The changes of one change set (one operation), per table: the records put,
 * whole, and the keys deleted. A key is in one list at most, so applying the
 * lists in any order gives the same state.
 */
export interface ChangeSet {
  put: Partial<StoreTables>;
  delete: RecordKeys;
}

/** Where a store's changes go. */
export interface Persistence {
  /**
   * Persists one change set; resolves once it is durable. Change sets are
   * persisted in the order given. `snapshot` gives the whole state (to compact).
   */
  write(changes: ChangeSet, snapshot: () => StoreSnapshot): Promise<void>;
  /** Resolves once every change set given so far is persisted and whatever it started (a compaction) is done. */
  settled?(): Promise<void>;
  /** Finishes pending writes and releases what persisting holds; called by the store's first `close()`. */
  close?(): Promise<void>;
}
