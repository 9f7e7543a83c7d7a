// The store of one server: every record in memory, each operation decided
// (by the shared operations.ts) and applied at once (so the next read sees
// it, and operations are atomic because they never wait half-way), its change
// set then handed to the persistence; the operation resolves once the
// persistence has made it durable. Its replays (memory-replays.ts) have a
// persistence of their own. Live state (socket places, timers,
// handoffs, rate-limit buckets) is kept in memory only: none of it outlives
// the process.

import type { EndReason } from '../../src/protocol/index.js';
import type { BucketState, RateLimit } from '../rate-limit.js';
import type { GuestStoreRecord, HandoffRecord, HostInviteRecord, LinkRecord, SessionRecord, StoreSnapshot } from './records.js';
import { STATE_VERSION, STORE_TABLES } from './records.js';
import * as ops from './operations.js';
import type {
  AdmissionResult, ChangeSet, GuestAdmission, InviteResult, NewHostInvite, NewPublicLink, Persistence, PublicLinkResult,
  HeldPlace, RateTake, RecordKeys, SocketHolder, Store, StoredTimer, TimerKind,
} from './store.js';
import { holderServer } from './holders.js';
import { MemoryReplays } from './memory-replays.js';
import type { ReplayPersistence } from './replay-store.js';
import { TimerHeap } from './timer-heap.js';

const NO_PERSISTENCE: Persistence = { write: async () => {} };
/** Buckets looked at per `takeRateTokens` to forget the expired ones: memory follows the active keys, with no sweeper. */
const BUCKETS_SWEPT_PER_TAKE = 2;

/** A rate-limit bucket and when it is full again (forgotten from then on). */
interface KeptBucket {
  state: BucketState;
  expiresAt: number;
}

/** Keeps everything in memory; hands every change set to `persistence`. */
export class MemoryStore implements Store {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly links = new Map<string, LinkRecord>();
  private readonly guests = new Map<string, GuestStoreRecord>();
  private readonly hostInvites = new Map<string, HostInviteRecord>();
  /** Claim token hash → invite id. */
  private readonly inviteByToken = new Map<string, string>();
  /** Session id → ids of its guests. */
  private readonly guestsBySession = new Map<string, Set<string>>();
  /** Live state, never persisted (no socket outlives the process): the holder of each place, the timers. */
  private readonly hostHolders = new Map<string, SocketHolder>();
  private readonly guestHolders = new Map<string, SocketHolder>();
  private readonly timers = new TimerHeap();
  /** Handoffs by token hash, and session id → the hash of its handoff. */
  private readonly handoffs = new Map<string, HandoffRecord>();
  private readonly handoffBySession = new Map<string, string>();
  private readonly buckets = new Map<string, KeptBucket>();
  /** Where forgetting expired buckets goes on from (a Map iterator sees deletions and keys added behind it). */
  private bucketCursor: Iterator<[string, KeptBucket]> | null = null;
  /** Replays, with a persistence of their own. */
  readonly replays: MemoryReplays;
  private closing: Promise<void> | null = null;

  /** Starts from `initial`; hands its changes to `persistence`, those of replays to `replayPersistence` (which found them at start). */
  constructor(initial?: Partial<StoreSnapshot>, private readonly persistence: Persistence = NO_PERSISTENCE, replayPersistence?: ReplayPersistence) {
    this.replays = new MemoryReplays(replayPersistence);
    this.apply({
      put: {
        sessions: initial?.sessions ?? [], links: initial?.links ?? [], guests: initial?.guests ?? [], hostInvites: initial?.hostInvites ?? [],
      },
      delete: {},
    });
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    return this.sessions.get(id);
  }

  async allSessions(): Promise<SessionRecord[]> {
    return [...this.sessions.values()];
  }

  async getLink(tokenHash: string): Promise<LinkRecord | undefined> {
    return this.links.get(tokenHash);
  }

  async allLinks(): Promise<LinkRecord[]> {
    return [...this.links.values()];
  }

  async getGuest(id: string): Promise<GuestStoreRecord | undefined> {
    return this.guests.get(id);
  }

  async sessionGuests(sessionId: string): Promise<GuestStoreRecord[]> {
    return this.guestsOf(sessionId);
  }

  async allGuests(): Promise<GuestStoreRecord[]> {
    return [...this.guests.values()];
  }

  async findHostInviteByToken(tokenHash: string): Promise<HostInviteRecord | undefined> {
    const id = this.inviteByToken.get(tokenHash);
    return id === undefined ? undefined : this.hostInvites.get(id);
  }

  async findHostInvitesByJoinCode(codeHash: string): Promise<HostInviteRecord[]> {
    return this.invitesWithCode(codeHash);
  }

  async sessionHostInvites(sessionId: string): Promise<HostInviteRecord[]> {
    return [...this.hostInvites.values()].filter((i) => i.sessionId === sessionId);
  }

  async allHostInvites(): Promise<HostInviteRecord[]> {
    return [...this.hostInvites.values()];
  }

  createSession(record: SessionRecord): Promise<void> {
    return this.commit({ sessions: [ops.copySession(record)] });
  }

  createLink(record: LinkRecord): Promise<void> {
    return this.commit({ links: [{ ...record }] });
  }

  createHostInvite(made: NewHostInvite, now: number): Promise<ops.HostInviteCreation> {
    const code = made.invite.joinCodeHash;
    const sameCode = code === null ? [] : this.invitesWithCode(code).map((invite) => this.withSession(invite));
    return this.run(ops.createHostInvite(made, now, sameCode));
  }

  admitGuest(admission: GuestAdmission): Promise<AdmissionResult> {
    const link = this.links.get(admission.linkTokenHash);
    const session = link && this.sessions.get(link.sessionId);
    const present = session && ops.countsPresentGuests(admission) ? ops.presentGuests(this.guestsOf(session.id)) : 0;
    return this.run(ops.admitGuest(admission, link, session, present));
  }

  markGuestLeft(guestId: string, at: number): Promise<boolean> {
    return this.run(ops.markGuestLeft(this.guests.get(guestId), at));
  }

  removeGuest(sessionId: string, guestId: string, at: number): Promise<void> {
    return this.run(ops.removeGuest(this.sessions.get(sessionId), this.guests.get(guestId), sessionId, guestId, at));
  }

  endSession(sessionId: string, reason: EndReason, at: number): Promise<SessionRecord | null> {
    return this.run(ops.endSession(this.sessions.get(sessionId), reason, at));
  }

  revokeLink(tokenHash: string, at: number): Promise<boolean> {
    return this.run(ops.revokeLink(this.links.get(tokenHash), at));
  }

  setPublicLink(sessionId: string, link: NewPublicLink | null, now: number): Promise<PublicLinkResult> {
    const session = this.sessions.get(sessionId);
    const currentHash = session && ops.publicLinkHash(session);
    const current = currentHash ? this.links.get(currentHash) : undefined;
    return this.run(ops.setPublicLink(session, link, now, current));
  }

  claimHostInvite(tokenHash: string, hostTokenHash: string, now: number): Promise<InviteResult> {
    const id = this.inviteByToken.get(tokenHash);
    return this.run(ops.claimHostInvite(this.inviteWithSession(id), hostTokenHash, now));
  }

  addHostInviteToken(inviteId: string, tokenHash: string, keep: number, now: number): Promise<InviteResult> {
    return this.run(ops.addHostInviteToken(this.inviteWithSession(inviteId), tokenHash, keep, now));
  }

  revokeHostInvite(inviteId: string, at: number): Promise<void> {
    return this.run(ops.revokeHostInvite(this.hostInvites.get(inviteId), at));
  }

  async deleteRecords(keys: RecordKeys): Promise<void> {
    const tables = { sessions: this.sessions, links: this.links, guests: this.guests, hostInvites: this.hostInvites };
    const deleted: RecordKeys = {};
    for (const table of STORE_TABLES) {
      const present = (keys[table] ?? []).filter((key) => tables[table].has(key));
      if (present.length > 0) deleted[table] = present;
    }
    if (Object.keys(deleted).length > 0) await this.persist({ put: {}, delete: deleted });
  }

  async holdHost(sessionId: string, holder: SocketHolder): Promise<SocketHolder | null> {
    return hold(this.hostHolders, sessionId, holder);
  }

  async releaseHost(sessionId: string, holder: SocketHolder): Promise<boolean> {
    return release(this.hostHolders, sessionId, holder);
  }

  async hostHolder(sessionId: string): Promise<SocketHolder | null> {
    return this.hostHolders.get(sessionId) ?? null;
  }

  async holdGuest(guestId: string, holder: SocketHolder): Promise<SocketHolder | null> {
    return hold(this.guestHolders, guestId, holder);
  }

  async releaseGuest(guestId: string, holder: SocketHolder): Promise<boolean> {
    return release(this.guestHolders, guestId, holder);
  }

  async guestHolder(guestId: string): Promise<SocketHolder | null> {
    return this.guestHolders.get(guestId) ?? null;
  }

  async placesHeldBy(serverId: string): Promise<HeldPlace[]> {
    const places: HeldPlace[] = [];
    for (const [sessionId, holder] of this.hostHolders) if (holderServer(holder) === serverId) places.push({ role: 'host', sessionId, holder });
    for (const [guestId, holder] of this.guestHolders) if (holderServer(holder) === serverId) places.push({ role: 'guest', guestId, holder });
    return places;
  }

  async scheduleTimer(timer: StoredTimer): Promise<void> {
    this.timers.set(timer);
  }

  async cancelTimer(kind: TimerKind, key: string): Promise<void> {
    this.timers.cancel(kind, key);
  }

  async timerAt(kind: TimerKind, key: string): Promise<number | null> {
    return this.timers.at(kind, key);
  }

  async takeDueTimers(now: number, limit: number): Promise<StoredTimer[]> {
    return this.timers.takeDue(now, limit);
  }

  async putHandoff(handoff: HandoffRecord): Promise<void> {
    this.dropHandoffNow(handoff.sessionId);
    this.handoffs.set(handoff.tokenHash, { ...handoff });
    this.handoffBySession.set(handoff.sessionId, handoff.tokenHash);
  }

  async getHandoff(tokenHash: string, now: number): Promise<HandoffRecord | undefined> {
    return ops.liveHandoff(this.handoffs.get(tokenHash), now);
  }

  async takeHandoff(tokenHash: string, now: number): Promise<HandoffRecord | undefined> {
    const handoff = this.handoffs.get(tokenHash);
    if (handoff) this.dropHandoffNow(handoff.sessionId);
    return ops.liveHandoff(handoff, now);
  }

  async dropHandoff(sessionId: string): Promise<void> {
    this.dropHandoffNow(sessionId);
  }

  async takeRateTokens(bucket: string, limit: RateLimit, now: number, n: number): Promise<RateTake> {
    this.forgetExpiredBuckets(now);
    const kept = this.buckets.get(bucket);
    const { result, keep } = ops.takeRateTokens(kept && now < kept.expiresAt ? kept.state : undefined, limit, now, n);
    if (keep) this.buckets.set(bucket, { state: keep.state, expiresAt: now + keep.ttlMs });
    else this.buckets.delete(bucket);
    return result;
  }

  /** Resolves once every change so far is persisted and whatever persisting it started is done. */
  async settled(): Promise<void> {
    await this.persistence.settled?.();
  }

  close(): Promise<void> {
    if (!this.closing) this.replays.close();
    this.closing ??= this.persistence.close?.() ?? Promise.resolve();
    return this.closing;
  }

  /** The whole state, as persisted. Its records are the stored values themselves (they are never changed in place). */
  snapshot(): StoreSnapshot {
    return {
      version: STATE_VERSION,
      sessions: [...this.sessions.values()],
      links: [...this.links.values()],
      guests: [...this.guests.values()],
      hostInvites: [...this.hostInvites.values()],
    };
  }

  private dropHandoffNow(sessionId: string): void {
    const hash = this.handoffBySession.get(sessionId);
    if (hash === undefined) return;
    this.handoffs.delete(hash);
    this.handoffBySession.delete(sessionId);
  }

  private forgetExpiredBuckets(now: number): void {
    for (let i = 0; i < BUCKETS_SWEPT_PER_TAKE && this.buckets.size > 0; i++) {
      this.bucketCursor ??= this.buckets.entries();
      const next = this.bucketCursor.next();
      if (next.done) {
        this.bucketCursor = null;
        continue;
      }
      const [key, kept] = next.value;
      if (kept.expiresAt <= now) this.buckets.delete(key);
    }
  }

  private guestsOf(sessionId: string): GuestStoreRecord[] {
    const ids = this.guestsBySession.get(sessionId);
    return ids ? [...ids].map((id) => this.guests.get(id) as GuestStoreRecord) : [];
  }

  private invitesWithCode(codeHash: string): HostInviteRecord[] {
    return [...this.hostInvites.values()].filter((i) => i.joinCodeHash === codeHash);
  }

  private withSession(invite: HostInviteRecord): ops.InviteWithSession {
    return { invite, session: this.sessions.get(invite.sessionId) };
  }

  private inviteWithSession(id: string | undefined): ops.InviteWithSession | null {
    const invite = id === undefined ? undefined : this.hostInvites.get(id);
    return invite ? this.withSession(invite) : null;
  }

  /** Applies what an operation decided (at once, before anything else runs) and resolves to its result once persisted. */
  private async run<R>(decision: ops.Decision<R>): Promise<R> {
    if (!ops.writesNothing(decision)) await this.commit(decision.put);
    return decision.result;
  }

  private commit(put: ChangeSet['put']): Promise<void> {
    return this.persist({ put, delete: {} });
  }

  private persist(changes: ChangeSet): Promise<void> {
    this.apply(changes);
    if (this.closing) return Promise.resolve(); // Closed: kept in memory, no longer persisted.
    return this.persistence.write(changes, () => this.snapshot());
  }

  private apply(changes: ChangeSet): void {
    for (const s of changes.put.sessions ?? []) this.sessions.set(s.id, s);
    for (const l of changes.put.links ?? []) this.links.set(l.tokenHash, l);
    for (const g of changes.put.guests ?? []) this.setGuest(g);
    for (const i of changes.put.hostInvites ?? []) {
      this.unindexInvite(i.id);
      this.indexInvite(i);
    }
    for (const id of changes.delete.sessions ?? []) this.sessions.delete(id);
    for (const hash of changes.delete.links ?? []) this.links.delete(hash);
    for (const id of changes.delete.guests ?? []) this.deleteGuest(id);
    for (const id of changes.delete.hostInvites ?? []) this.unindexInvite(id);
  }

  private setGuest(guest: GuestStoreRecord): void {
    this.deleteGuest(guest.id);
    this.guests.set(guest.id, guest);
    let ids = this.guestsBySession.get(guest.sessionId);
    if (!ids) {
      ids = new Set();
      this.guestsBySession.set(guest.sessionId, ids);
    }
    ids.add(guest.id);
  }

  private deleteGuest(id: string): void {
    const old = this.guests.get(id);
    if (!old) return;
    this.guests.delete(id);
    const ids = this.guestsBySession.get(old.sessionId);
    ids?.delete(id);
    if (ids?.size === 0) this.guestsBySession.delete(old.sessionId);
  }

  private indexInvite(record: HostInviteRecord): void {
    this.hostInvites.set(record.id, record);
    for (const hash of record.tokenHashes) this.inviteByToken.set(hash, record.id);
  }

  private unindexInvite(id: string): void {
    const old = this.hostInvites.get(id);
    if (!old) return;
    for (const hash of old.tokenHashes) if (this.inviteByToken.get(hash) === id) this.inviteByToken.delete(hash);
    this.hostInvites.delete(id);
  }
}

function hold(places: Map<string, SocketHolder>, key: string, holder: SocketHolder): SocketHolder | null {
  const previous = places.get(key) ?? null;
  places.set(key, holder);
  return ops.replacedHolder(previous, holder);
}

function release(places: Map<string, SocketHolder>, key: string, holder: SocketHolder): boolean {
  if (places.get(key) !== holder) return false;
  places.delete(key);
  return true;
}
