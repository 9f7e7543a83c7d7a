// What the server keeps about sessions, invite links, guests and hosting
// invites (and the live state servers share: handoffs), and how a stored
// record is checked when it is read back from disk or from a shared store.

import {
  isId, isInteger, isRecord, isString, isToken, MAX_EMAIL_LENGTH, MAX_NAME_LENGTH, type EndReason,
} from '../../src/protocol/index.js';
import type { BucketState } from '../rate-limit.js';

/** A session as stored: everything but live presence (sockets, current guests). */
export interface SessionRecord {
  id: string;
  isReplay: boolean;
  hostName: string;
  hostEmail: string;
  /** Origin of the page that created the session ('' when the request had none). */
  origin: string;
  /** SHA-256 of the host token (the token itself is never stored). */
  hostTokenHash: string;
  /** Epoch milliseconds. */
  startedAt: number;
  /** Epoch milliseconds: the server ends the session then. */
  expiresAt: number;
  /** Epoch milliseconds, or null while the session runs. */
  endedAt: number | null;
  endReason: EndReason | null;
  /** Guests ever admitted: numbers default names ("Guest 3"). */
  guestSeq: number;
  /**
   * Token of the enabled public link, or null while it is off. Kept in clear,
   * unlike every other token: a public link is meant to be shared, and the host
   * must get it back after a reconnect or a restart (`welcome`).
   */
  publicLinkToken: string | null;
  /** Ids of guests the host removed: a guest coming back under one of them is refused. */
  removedGuestIds: string[];
}

/** What kind of link a token is: one-time (private, email, SMS) or the session's reusable public link. */
export type LinkKind = 'private' | 'public';

/** An invite link as stored, keyed by the hash of its token. */
export interface LinkRecord {
  /** SHA-256 of the link token (the token itself is never stored). */
  tokenHash: string;
  sessionId: string;
  kind: LinkKind;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds (a public link's is its session's end: it does not expire by itself). */
  expiresAt: number;
  /** Epoch milliseconds when a guest spent it (one-time links), or null. */
  usedAt: number | null;
  /** Epoch milliseconds when it was turned off (public link disabled, invite not delivered), or null. */
  revokedAt: number | null;
}

/**
 * A guest admitted to a session, as stored so that it can resume after a lost
 * socket, a viewer reload or a server restart.
 */
export interface GuestStoreRecord {
  id: string;
  sessionId: string;
  name: string;
  /** Epoch milliseconds. */
  joinedAt: number;
  /** SHA-256 of the guest's resume token (the token itself is never stored). */
  resumeTokenHash: string;
  /** Epoch milliseconds when the guest left for good (grace over, or removed), or null while in the session. */
  leftAt: number | null;
}

/**
 * An invitation to host ("invite to host"): a session prepared for someone
 * else to host, started by whoever first presents one of its claim tokens.
 */
export interface HostInviteRecord {
  id: string;
  sessionId: string;
  /** The landing page (absolute http(s) URL of an allowed origin): the invitee is sent there. */
  url: string;
  /**
   * SHA-256 of the claim tokens that lead to this invite: the host link's first,
   * then one per use of the join code (the latest few). Any one claims the invite.
   */
  tokenHashes: string[];
  /** SHA-256 of the join code, or null when the invite has none. */
  joinCodeHash: string | null;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds: the invite can no longer be claimed from then on. */
  expiresAt: number;
  /** Epoch milliseconds when it was claimed (hosting started), or null. */
  claimedAt: number | null;
  /** Epoch milliseconds when it was withdrawn (its mail could not be delivered), or null. */
  revokedAt: number | null;
}

/**
 * A host's handoff to another origin of its site (see handoffs.ts), keyed by
 * the hash of its one-time token: the host token sealed (AES-256-GCM) with a
 * key derived from the token, so that what is stored opens nothing alone.
 * Live state, never written to `state.json`: a one-server store loses it on
 * a restart (the page then asks for a new one).
 */
export interface HandoffRecord {
  /** SHA-256 of the handoff token (the token itself is never stored). */
  tokenHash: string;
  sessionId: string;
  /** Base64url: the cipher's nonce, the sealed host token, its authentication tag. */
  iv: string;
  sealed: string;
  tag: string;
  /** Epoch milliseconds: gone from then on (its session's end at the latest). */
  expiresAt: number;
}

/** Everything in a store, as written to `state.json`. */
export interface StoreSnapshot {
  version: typeof STATE_VERSION;
  sessions: SessionRecord[];
  links: LinkRecord[];
  /** Absent in files written before guests were stored. */
  guests: GuestStoreRecord[];
  /** Absent in files written before invites to host existed. */
  hostInvites: HostInviteRecord[];
}

/** Format version of `state.json`. Fields added later are optional on disk and get their defaults when read. */
export const STATE_VERSION = 1;

/** The record lists of a snapshot, by name: a journal's change sets name them the same way. */
export type StoreTables = Omit<StoreSnapshot, 'version'>;

/** Name of one of a snapshot's record lists. */
export type StoreTable = keyof StoreTables;

/** A record of `T`. */
export type StoreRow<T extends StoreTable> = StoreTables[T][number];

/** Every table, in snapshot order. */
export const STORE_TABLES: readonly StoreTable[] = ['sessions', 'links', 'guests', 'hostInvites'];

const HASH_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const MAX_TIME = Number.MAX_SAFE_INTEGER;

const isTime = (v: unknown): v is number => isInteger(v, 0, MAX_TIME);
const isTimeOrNull = (v: unknown): v is number | null => v === null || isTime(v);
const isHash = (v: unknown): v is string => typeof v === 'string' && HASH_PATTERN.test(v);

/** Checks a session record read from disk. */
export function isSessionRecord(v: unknown): v is SessionRecord {
  return isRecord(v) && isId(v.id) && typeof v.isReplay === 'boolean'
    && isString(v.hostName, MAX_NAME_LENGTH) && isString(v.hostEmail, MAX_EMAIL_LENGTH)
    && isString(v.origin, 2048) && typeof v.hostTokenHash === 'string' && HASH_PATTERN.test(v.hostTokenHash)
    && isTime(v.startedAt) && isTime(v.expiresAt) && isTimeOrNull(v.endedAt)
    && (v.endReason === null || v.endReason === 'host-ended' || v.endReason === 'expired' || v.endReason === 'removed')
    && isInteger(v.guestSeq, 0, MAX_TIME)
    && (v.publicLinkToken === null || isToken(v.publicLinkToken))
    && Array.isArray(v.removedGuestIds) && v.removedGuestIds.every(isId);
}

/** Checks a link record read from disk. */
export function isLinkRecord(v: unknown): v is LinkRecord {
  return isRecord(v) && typeof v.tokenHash === 'string' && HASH_PATTERN.test(v.tokenHash)
    && isId(v.sessionId) && (v.kind === 'private' || v.kind === 'public')
    && isTime(v.createdAt) && isTime(v.expiresAt) && isTimeOrNull(v.usedAt) && isTimeOrNull(v.revokedAt);
}

/** Checks a guest record read from disk. */
export function isGuestStoreRecord(v: unknown): v is GuestStoreRecord {
  return isRecord(v) && isId(v.id) && isId(v.sessionId) && isString(v.name, MAX_NAME_LENGTH) && isTime(v.joinedAt)
    && typeof v.resumeTokenHash === 'string' && HASH_PATTERN.test(v.resumeTokenHash) && isTimeOrNull(v.leftAt);
}

/** Checks a hosting invite read from disk. */
export function isHostInviteRecord(v: unknown): v is HostInviteRecord {
  return isRecord(v) && isId(v.id) && isId(v.sessionId) && isString(v.url, 2048)
    && Array.isArray(v.tokenHashes) && v.tokenHashes.length > 0 && v.tokenHashes.every(isHash)
    && (v.joinCodeHash === null || isHash(v.joinCodeHash))
    && isTime(v.createdAt) && isTime(v.expiresAt) && isTimeOrNull(v.claimedAt) && isTimeOrNull(v.revokedAt);
}

const BASE64URL_PATTERN = /^[A-Za-z0-9_-]{1,4096}$/;

/** Checks a handoff read back from a shared store. */
export function isHandoffRecord(v: unknown): v is HandoffRecord {
  return isRecord(v) && isHash(v.tokenHash) && isId(v.sessionId)
    && [v.iv, v.sealed, v.tag].every((b) => typeof b === 'string' && BASE64URL_PATTERN.test(b)) && isTime(v.expiresAt);
}

/** Checks a rate-limit bucket read back from a shared store. */
export function isBucketState(v: unknown): v is BucketState {
  return isRecord(v) && typeof v.tokens === 'number' && Number.isFinite(v.tokens) && v.tokens >= 0 && isTime(v.at);
}

/** Fills in fields a session record written by an older server lacks. */
export function upgradeSessionRecord(v: unknown): unknown {
  if (!isRecord(v)) return v;
  return { publicLinkToken: null, removedGuestIds: [], ...v };
}

/** Fills in fields a link record written by an older server lacks (they were all one-time links). */
export function upgradeLinkRecord(v: unknown): unknown {
  if (!isRecord(v)) return v;
  return { kind: 'private', revokedAt: null, ...v };
}

const ROW_KEYS: { [T in StoreTable]: (record: StoreRow<T>) => string } = {
  sessions: (r) => r.id,
  links: (r) => r.tokenHash,
  guests: (r) => r.id,
  hostInvites: (r) => r.id,
};

const ROW_READERS: { [T in StoreTable]: (v: unknown) => StoreRow<T> | undefined } = {
  sessions: (v) => checked(upgradeSessionRecord(v), isSessionRecord),
  links: (v) => checked(upgradeLinkRecord(v), isLinkRecord),
  guests: (v) => checked(v, isGuestStoreRecord),
  hostInvites: (v) => checked(v, isHostInviteRecord),
};

function checked<R>(v: unknown, guard: (v: unknown) => v is R): R | undefined {
  return guard(v) ? v : undefined;
}

/** The key of a record in its table (a link's token hash, every other record's id). */
export function rowKey<T extends StoreTable>(table: T, record: StoreRow<T>): string {
  return ROW_KEYS[table](record);
}

/** Upgrades and checks a record of `table` read from disk: the record, or undefined when it is malformed. */
function readRow<T extends StoreTable>(table: T, v: unknown): StoreRow<T> | undefined {
  return ROW_READERS[table](v);
}

/** Reads a stored list of records of `table`: the valid ones, and how many were dropped as malformed. */
export function readRows<T extends StoreTable>(table: T, list: readonly unknown[]): { rows: StoreRow<T>[]; skipped: number } {
  const rows: StoreRow<T>[] = [];
  for (const v of list) {
    const row = readRow(table, v);
    if (row !== undefined) rows.push(row);
  }
  return { rows, skipped: list.length - rows.length };
}
