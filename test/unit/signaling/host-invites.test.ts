import { afterEach, describe, expect, it } from 'vitest';
import { CwmnError, ITH_FRAGMENT_KEY, type InviteToHostRequest } from '../../../src/protocol/index.js';
import type { MailMessage, MailTransport } from '../../../signaling/delivery/delivery.js';
import {
  HostInviteService, JoinCodeInUseError, MAX_JOIN_CODE_TOKENS, withClaimToken,
} from '../../../signaling/host-invites.js';
import { LinkService } from '../../../signaling/links.js';
import { OriginPolicy } from '../../../signaling/origins.js';
import { SessionService } from '../../../signaling/sessions.js';
import { MemoryStore } from '../../../signaling/state/memory-store.js';
import { hashToken } from '../../../signaling/tokens.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn();
});

/** Keeps what it is given; fails (after keeping it) when told to. */
class TestMailer implements MailTransport {
  readonly kind = 'smtp';
  sent: MailMessage[] = [];
  failWith: Error | null = null;
  async send(message: MailMessage): Promise<void> {
    this.sent.push(message);
    if (this.failWith) throw this.failWith;
  }
  close(): void {}
}

function setup(allowed: string[] = []) {
  let now = 1_000_000;
  const clock = () => now;
  const store = new MemoryStore();
  const sessions = new SessionService({ store, sessionMaxSeconds: 3600, log: () => {}, now: clock });
  cleanups.push(() => sessions.close());
  const links = new LinkService({ store, linkTtlSeconds: 60, publicUrl: 'https://co.example', now: clock });
  const mail = new TestMailer();
  const claimed: string[] = [];
  const service = new HostInviteService({
    store, sessions, links, mail, origins: new OriginPolicy(allowed, ['https://co.example']),
    linkTtlSeconds: 60, publicUrl: 'https://co.example', onClaimed: (id) => claimed.push(id), log: () => {}, now: clock,
  });
  return { store, sessions, mail, service, claimed, advance: (ms: number) => { now += ms; } };
}

/** The page asking: the shop itself. */
const CALLER = 'https://shop.example';
const REQUEST: InviteToHostRequest = {
  hostName: 'Ann', hostEmail: 'ann@shop.example', inviteName: 'Bob', inviteEmail: '', message: '', url: 'https://shop.example/p?q=1',
};
const tokenOf = (link: string) => link.split('/').pop() ?? '';
const codeOf = (redirect: string) => new URLSearchParams(new URL(redirect).hash.slice(1)).get(ITH_FRAGMENT_KEY) ?? '';

async function rejection(p: Promise<unknown> | (() => unknown)): Promise<CwmnError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    if (err instanceof CwmnError) return err;
    throw err;
  }
  throw new Error('did not fail');
}

describe('withClaimToken', () => {
  it('adds the token to the fragment, after any fragment already there', () => {
    expect(withClaimToken('https://a.example/x?y=1', 'TOKEN')).toBe(`https://a.example/x?y=1#${ITH_FRAGMENT_KEY}=TOKEN`);
    expect(withClaimToken('https://a.example/x#top', 'TOKEN')).toBe(`https://a.example/x#top&${ITH_FRAGMENT_KEY}=TOKEN`);
  });
});

describe('HostInviteService', () => {
  it('makes a session for the invitee, a guest link for the inviter, and stores only hashes', async () => {
    const { service, store } = setup();
    const result = await service.create({ ...REQUEST, ithJoinCode: 'ABCDEFGH' }, CALLER);
    expect(result.hostLink).toMatch(/^https:\/\/co\.example\/h\/[A-Za-z0-9_-]{32}$/);
    expect(result.guestLink).toMatch(/^https:\/\/co\.example\/s\/[A-Za-z0-9_-]{32}\?name=Ann$/);
    expect(result).toMatchObject({ joinCode: 'ABCDEFGH', expiresAt: 1_060_000 });
    const [session] = await (await store.allSessions());
    expect(session).toMatchObject({ hostName: 'Bob', hostEmail: '', origin: 'https://shop.example', isReplay: false });
    const stored = JSON.stringify(store.snapshot());
    expect(stored).not.toContain(tokenOf(result.hostLink));
    expect(stored).not.toContain('ABCDEFGH');
    expect((await store.allHostInvites())[0]?.joinCodeHash).toBe(hashToken('ABCDEFGH'));
    expect(await service.awaitsClaim(session!.id)).toBe(true);
  });

  it('names the host "Host" when the invitee has no name', async () => {
    const { service, store } = setup();
    await service.create({ ...REQUEST, inviteName: '', ithJoinCode: true }, CALLER);
    expect((await store.allSessions())[0]?.hostName).toBe('Host');
  });

  it('on an open server, leads only to the asking site or the server itself (no open redirect)', async () => {
    const { service, store } = setup();
    const err = await rejection(service.create({ ...REQUEST, url: 'https://evil.example/phish' }, CALLER));
    expect([err.code, err.message]).toEqual(['ERR_INVALID_PARAMS', expect.stringContaining('the asking site')]);
    expect((await rejection(service.create(REQUEST, undefined))).code).toBe('ERR_INVALID_PARAMS');
    expect((await store.allSessions())).toEqual([]);
    await expect(service.create({ ...REQUEST, url: 'https://co.example/demo/' }, 'https://other.example')).resolves.toBeDefined();
  });

  it('refuses a url of an origin not allowed to host', async () => {
    const { service, store } = setup(['https://shop.example']);
    const err = await rejection(service.create({ ...REQUEST, url: 'https://elsewhere.example/' }, CALLER));
    expect(err.code).toBe('ERR_INVALID_PARAMS');
    expect((await store.allSessions())).toEqual([]);
    await expect(service.create({ ...REQUEST, url: 'https://co.example/demo/', ithJoinCode: true }, CALLER)).resolves.toBeDefined();
  });

  it('claims once, with a fresh host token, and reports it', async () => {
    const { service, sessions, claimed, store } = setup();
    const result = await service.create({ ...REQUEST, ithJoinCode: true }, CALLER);
    const token = tokenOf(result.hostLink);
    const first = await service.claim(token);
    expect(await sessions.checkHost(first.session.sessionId, first.hostToken)).toMatchObject({ ok: true });
    expect(claimed).toEqual([first.session.sessionId]);
    expect(await service.awaitsClaim(first.session.sessionId)).toBe(false);
    expect((await rejection(() => service.claim(token))).code).toBe('ERR_LINK_USED');
    expect((await rejection(() => service.redeemJoinCode(result.joinCode!))).code).toBe('ERR_LINK_USED');
    expect((await store.allHostInvites())[0]?.claimedAt).toBe(1_000_000);
  });

  it('says why a token cannot be used: invalid, expired (its session ran out too), withdrawn', async () => {
    const { service, mail, advance } = setup();
    expect(await service.landing('A'.repeat(32))).toMatchObject({ ok: false, error: { code: 'ERR_LINK_INVALID' } });
    expect(await service.landing('short')).toMatchObject({ ok: false, error: { code: 'ERR_LINK_INVALID' } });
    const live = await service.create({ ...REQUEST, ithJoinCode: true }, CALLER);
    expect(await service.landing(tokenOf(live.hostLink))).toEqual({ ok: true, redirect: withClaimToken(REQUEST.url, tokenOf(live.hostLink)) });

    mail.failWith = new Error('boom');
    const err = await rejection(service.create({ ...REQUEST, inviteEmail: 'bob@example.com' }, CALLER));
    expect(err.code).toBe('ERR_DELIVERY_FAILED');
    const withdrawn = /\/h\/([A-Za-z0-9_-]+)/.exec(mail.sent[0]?.text ?? '')?.[1] ?? '';
    expect(await service.landing(withdrawn)).toMatchObject({ ok: false, error: { code: 'ERR_LINK_REVOKED' } });

    advance(60_000);
    expect(await service.landing(tokenOf(live.hostLink))).toMatchObject({ ok: false, error: { code: 'ERR_LINK_EXPIRED' } });
    expect((await rejection(() => service.redeemJoinCode(live.joinCode!))).code).toBe('ERR_LINK_EXPIRED');
  });

  it('withdraws an invitation whose mail failed: session ended, links revoked', async () => {
    const { service, mail, store } = setup();
    mail.failWith = new CwmnError('ERR_DELIVERY_FAILED', 'The mail server refused the message');
    const err = await rejection(service.create({ ...REQUEST, inviteEmail: 'bob@example.com' }, CALLER));
    expect(err.message).toBe('The mail server refused the message');
    const [invite] = await store.allHostInvites();
    expect(invite?.revokedAt).toBe(1_000_000);
    expect(await store.getSession(invite!.sessionId)).toMatchObject({ endedAt: 1_000_000, endReason: 'host-ended' });
    expect((await store.allLinks()).every((l) => l.revokedAt !== null)).toBe(true);
    expect((await rejection(() => service.claim(/\/h\/([A-Za-z0-9_-]+)/.exec(mail.sent[0]!.text)![1]!))).code).toBe('ERR_LINK_REVOKED');
  });

  it('keeps a join code to one live invitation, and frees it when that one is over', async () => {
    const { service } = setup();
    const first = await service.create({ ...REQUEST, ithJoinCode: 'ABCDEFGH' }, CALLER);
    expect(await rejection(service.create({ ...REQUEST, ithJoinCode: 'ABCDEFGH' }, CALLER))).toBeInstanceOf(JoinCodeInUseError);
    await service.claim(tokenOf(first.hostLink));
    const second = await service.create({ ...REQUEST, url: 'https://shop.example/second', ithJoinCode: 'ABCDEFGH' }, CALLER);
    expect(await service.redeemJoinCode('ABCDEFGH')).toMatch(/^https:\/\/shop\.example\/second#/);
    expect(second.joinCode).toBe('ABCDEFGH');
  });

  it('remembers only the latest few tokens of a join code, never dropping the host link', async () => {
    const { service, store } = setup();
    const result = await service.create({ ...REQUEST, ithJoinCode: true }, CALLER);
    const tokens: string[] = [];
    for (let i = 0; i < MAX_JOIN_CODE_TOKENS + 2; i++) tokens.push(codeOf(await service.redeemJoinCode(result.joinCode!)));
    expect((await store.allHostInvites())[0]?.tokenHashes).toHaveLength(MAX_JOIN_CODE_TOKENS + 1);
    expect(await service.landing(tokens[0]!)).toMatchObject({ ok: false, error: { code: 'ERR_LINK_INVALID' } });
    expect(await service.landing(tokens.at(-1)!)).toMatchObject({ ok: true });
    expect(await service.landing(tokenOf(result.hostLink))).toMatchObject({ ok: true });
  });
});
