import { afterEach, describe, expect, it } from 'vitest';
import { GuestService, RESUME_REFUSALS } from '../../../signaling/guests.js';
import { SessionService } from '../../../signaling/sessions.js';
import { MemoryStore } from '../../../signaling/state/store.js';

const services: SessionService[] = [];
afterEach(() => {
  for (const s of services.splice(0)) s.close();
});

function setup() {
  let now = 1_000_000;
  const clock = () => now;
  const store = new MemoryStore();
  const sessions = new SessionService({ store, sessionMaxSeconds: 60, countGuests: () => 0, onEnded: () => {}, log: () => {}, now: clock });
  services.push(sessions);
  const guests = new GuestService({ store, sessions, now: clock });
  const { session } = sessions.create({ hostName: 'Ada', hostEmail: '', isReplay: false, origin: '' });
  return { store, sessions, guests, session, advance: (ms: number) => { now += ms; } };
}

describe('GuestService', () => {
  it('admits guests with a name (or "Guest N") and a resume token kept only as a hash', () => {
    const { guests, session, store, advance } = setup();
    const a = guests.admit(session, '  Bea\u0007 ');
    advance(5);
    const b = guests.admit(store.getSession(session.id)!, '');
    expect(a.record).toEqual({ id: a.record.id, name: 'Bea', joinedAt: 1_000_000 });
    expect(b.record.name).toBe('Guest 2');
    expect(a.resumeToken).not.toBe(b.resumeToken);
    expect(JSON.stringify(store.snapshot())).not.toContain(a.resumeToken);
    expect(guests.present(session.id)).toEqual([a.record, b.record]);
  });

  it('checks a resume: unknown, wrong token, removed, ended, left — in that order', () => {
    const { guests, sessions, session, store } = setup();
    const { record, resumeToken } = guests.admit(session, 'Bea');
    expect(guests.checkResume(record.id, resumeToken)).toEqual({ ok: true, session: store.getSession(session.id), guest: record });
    expect(guests.checkResume('nosuchguest', resumeToken)).toEqual({ ok: false, error: RESUME_REFUSALS.unknown });
    expect(guests.checkResume(record.id, 'y'.repeat(32))).toEqual({ ok: false, error: RESUME_REFUSALS.forbidden });

    guests.markLeft(record.id);
    expect(guests.checkResume(record.id, resumeToken)).toEqual({ ok: false, error: RESUME_REFUSALS.left });
    expect(guests.present(session.id)).toEqual([]);
    sessions.end(session.id, 'host-ended');
    expect(guests.checkResume(record.id, resumeToken)).toMatchObject({ ok: false, error: { code: 'ERR_SESSION_ENDED' } });
    sessions.recordRemovedGuest(session.id, record.id);
    expect(guests.checkResume(record.id, resumeToken)).toEqual({ ok: false, error: RESUME_REFUSALS.removed });
    // A wrong token learns none of that.
    expect(guests.checkResume(record.id, 'y'.repeat(32))).toEqual({ ok: false, error: RESUME_REFUSALS.forbidden });
  });

  it('marks a guest left once', () => {
    const { guests, session, store, advance } = setup();
    const { record } = guests.admit(session, 'Bea');
    guests.markLeft(record.id);
    advance(1000);
    guests.markLeft(record.id);
    guests.markLeft('unknown-guest');
    expect(store.getGuest(record.id)?.leftAt).toBe(1_000_000);
  });
});
