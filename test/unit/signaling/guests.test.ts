import { afterEach, describe, expect, it } from 'vitest';
import { GuestService, RESUME_REFUSALS } from '../../../signaling/guests.js';
import { LinkService } from '../../../signaling/links.js';
import { SessionService } from '../../../signaling/sessions.js';
import { MemoryStore } from '../../../signaling/state/memory-store.js';

const services: SessionService[] = [];
afterEach(() => {
  for (const s of services.splice(0)) s.close();
});

async function setup() {
  let now = 1_000_000;
  const clock = () => now;
  const store = new MemoryStore();
  const sessions = new SessionService({ store, sessionMaxSeconds: 60, log: () => {}, now: clock });
  services.push(sessions);
  const guests = new GuestService({ store, sessions, now: clock });
  const links = new LinkService({ store, linkTtlSeconds: 60, publicUrl: 'https://co.example', now: clock });
  const { session } = await sessions.create({ hostName: 'Ada', hostEmail: '', isReplay: false, origin: '' });
  /** Admits a guest through a new one-time link. */
  const admit = async (name: string) => {
    const admission = await guests.admit((await links.create(session.id)).url.split('/').pop()!, name);
    if (!admission.ok) throw new Error(admission.error.message);
    return admission;
  };
  return { store, sessions, guests, session, admit, advance: (ms: number) => { now += ms; } };
}

describe('GuestService', () => {
  it('admits guests with a name (or "Guest N") and a resume token kept only as a hash', async () => {
    const { guests, session, store, admit, advance } = await setup();
    const a = await admit('  Bea\u0007 ');
    advance(5);
    const b = await admit('');
    expect(a.record).toEqual({ id: a.record.id, name: 'Bea', joinedAt: 1_000_000 });
    expect(b.record.name).toBe('Guest 2');
    expect(a.resumeToken).not.toBe(b.resumeToken);
    expect(JSON.stringify(store.snapshot())).not.toContain(a.resumeToken);
    expect(await guests.present(session.id)).toEqual([a.record, b.record]);
    expect((await store.getSession(session.id))?.guestSeq).toBe(2);
  });

  it('checks a resume: unknown, wrong token, removed, ended, left — in that order', async () => {
    const { guests, sessions, session, store, admit } = await setup();
    const { record, resumeToken } = await admit('Bea');
    expect(await guests.checkResume(record.id, resumeToken)).toEqual({ ok: true, session: await store.getSession(session.id), guest: record });
    expect(await guests.checkResume('nosuchguest', resumeToken)).toEqual({ ok: false, error: RESUME_REFUSALS.unknown });
    expect(await guests.checkResume(record.id, 'y'.repeat(32))).toEqual({ ok: false, error: RESUME_REFUSALS.forbidden });

    await guests.markLeft(record.id);
    expect(await guests.checkResume(record.id, resumeToken)).toEqual({ ok: false, error: RESUME_REFUSALS.left });
    expect(await guests.present(session.id)).toEqual([]);
    await sessions.end(session.id, 'host-ended');
    expect(await guests.checkResume(record.id, resumeToken)).toMatchObject({ ok: false, error: { code: 'ERR_SESSION_ENDED' } });
    await guests.remove(session.id, record.id);
    expect(await guests.checkResume(record.id, resumeToken)).toEqual({ ok: false, error: RESUME_REFUSALS.removed });
    // A wrong token learns none of that.
    expect(await guests.checkResume(record.id, 'y'.repeat(32))).toEqual({ ok: false, error: RESUME_REFUSALS.forbidden });
  });

  it('marks a guest left once', async () => {
    const { guests, store, admit, advance } = await setup();
    const { record } = await admit('Bea');
    await guests.markLeft(record.id);
    advance(1000);
    await guests.markLeft(record.id);
    await guests.markLeft('unknown-guest');
    expect((await store.getGuest(record.id))?.leftAt).toBe(1_000_000);
  });

  it('remembers a removed guest once, and lets it leave', async () => {
    const { guests, session, store, admit } = await setup();
    const { record } = await admit('Bea');
    await guests.remove(session.id, record.id);
    await guests.remove(session.id, record.id);
    expect((await store.getSession(session.id))?.removedGuestIds).toEqual([record.id]);
    expect((await store.getGuest(record.id))?.leftAt).toBe(1_000_000);
  });

  it('keeps a full session full: refuses past maxGuests, without spending the link, until a guest leaves', async () => {
    const { guests, session, store, admit } = await setup();
    const first = await admit('Bea');
    const links = new LinkService({ store, linkTtlSeconds: 60, publicUrl: 'https://co.example' });
    const token = (await links.create(session.id)).url.split('/').pop()!;
    expect(await guests.admit(token, 'Cy', () => 1)).toMatchObject({ ok: false, error: { code: 'ERR_SESSION_FULL' } });
    await guests.markLeft(first.record.id);
    expect(await guests.admit(token, 'Cy', () => 1)).toMatchObject({ ok: true, record: { name: 'Cy' } });
  });
});
