import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MailMessage, MailTransport, SmsTransport } from '../../../signaling/delivery/delivery.js';
import { Outbox, OutboxMailer, OutboxSms } from '../../../signaling/delivery/outbox.js';
import { INVITE_WINDOW_MS, INVITES_PER_WINDOW, InviteService } from '../../../signaling/invites.js';
import { LinkService } from '../../../signaling/links.js';
import { SessionService } from '../../../signaling/sessions.js';
import { MemoryStore } from '../../../signaling/state/memory-store.js';
import { GuestService } from '../../../signaling/guests.js';
import { inProcessRateLimiters } from '../../../signaling/rate-limit.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn();
});

/** A mail transport that fails the way a transport may: with any error. */
class BrokenMailer implements MailTransport {
  readonly kind = 'smtp';
  attempts: MailMessage[] = [];
  constructor(private readonly error: Error) {}
  async send(message: MailMessage): Promise<void> {
    this.attempts.push(message);
    throw this.error;
  }
  close(): void {}
}

async function setup(mail?: MailTransport) {
  let now = 1_000_000;
  const clock = () => now;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cwmn-invites-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const outbox = new Outbox(dir, clock);
  const store = new MemoryStore();
  const sessions = new SessionService({ store, sessionMaxSeconds: 3600, log: () => {}, now: clock });
  cleanups.push(() => sessions.close());
  const links = new LinkService({ store, linkTtlSeconds: 60, publicUrl: 'https://co.example', now: clock });
  const sms: SmsTransport = new OutboxSms(outbox);
  const invites = new InviteService({ sessions, links, mail: mail ?? new OutboxMailer(outbox), sms, log: () => {}, limiters: inProcessRateLimiters(clock) });
  const { session } = await sessions.create({ hostName: 'Ada', hostEmail: '', isReplay: false, origin: '' });
  const guests = new GuestService({ store, sessions, now: clock });
  return { store, sessions, links, guests, invites, outbox, session, advance: (ms: number) => { now += ms; } };
}

describe('InviteService', () => {
  it('sends a personal one-time link and reports where it went and until when', async () => {
    const { invites, outbox, session, guests } = await setup();
    const result = await invites.invite(session.id, { guestName: 'Bea', guestEmail: 'bea@example.com', message: 'Hi' });
    expect(result).toEqual({ channel: 'email', to: 'bea@example.com', expiresAt: 1_060_000 });
    const [entry] = await outbox.list();
    const link = entry!.links[0]!;
    expect(link).toMatch(/^https:\/\/co\.example\/s\/[A-Za-z0-9_-]{32}\?name=Bea$/);
    expect((await guests.admit(new URL(link).pathname.split('/').pop()!, 'Bea')).ok).toBe(true);
  });

  it('revokes the link and rejects with ERR_DELIVERY_FAILED when the transport fails, whatever its error', async () => {
    const broken = new BrokenMailer(new Error('socket hang up'));
    const { invites, session, store } = await setup(broken);
    await expect(invites.invite(session.id, { guestName: '', guestEmail: 'bea@example.com', message: '' }))
      .rejects.toMatchObject({ code: 'ERR_DELIVERY_FAILED', message: 'The invite could not be sent' });
    expect(broken.attempts).toHaveLength(1);
    expect(await store.allLinks()).toEqual([expect.objectContaining({ kind: 'private', revokedAt: 1_000_000 })]);
  });

  it(`allows ${INVITES_PER_WINDOW} invites per session at once, then one more as the window refills`, async () => {
    const { invites, session, advance, store } = await setup();
    const invite = () => invites.invite(session.id, { guestName: '', guestPhone: '+13145550000', message: '' });
    for (let i = 0; i < INVITES_PER_WINDOW; i++) await invite();
    await expect(invite()).rejects.toMatchObject({ code: 'ERR_RATE_LIMITED' });
    expect(await store.allLinks()).toHaveLength(INVITES_PER_WINDOW);
    advance(INVITE_WINDOW_MS / INVITES_PER_WINDOW);
    await invite();
    await expect(invite()).rejects.toMatchObject({ code: 'ERR_RATE_LIMITED' });
  });

  it('refuses a session that has ended', async () => {
    const { invites, sessions, session } = await setup();
    await sessions.end(session.id, 'host-ended');
    await expect(invites.invite(session.id, { guestName: '', guestEmail: 'bea@example.com', message: '' }))
      .rejects.toMatchObject({ code: 'ERR_SESSION_ENDED' });
  });
});
