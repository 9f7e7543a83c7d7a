// The handoff service on a store two servers share (one process's store, and
// Redis): a token made on one server is traded once on either, whoever races
// for it, and the store holds neither the token nor the host token in clear.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/index.js';
import { DomainSettings } from '../../../signaling/domain-settings.js';
import { HandoffService } from '../../../signaling/handoffs.js';
import { OriginPolicy } from '../../../signaling/origins.js';
import { SessionService } from '../../../signaling/sessions.js';
import type { HandoffRecord } from '../../../signaling/state/records.js';
import { hashToken } from '../../../signaling/tokens.js';
import { stopTwoServerRedis, twoServerStores } from './support/two-servers.js';

const SHOP = 'https://shop.example.com';
const CHECKOUT = 'https://checkout.example.com';

afterAll(stopTwoServerRedis);

const STORES = twoServerStores('handoffs');

describe.each(STORES)('handoffs on a shared store: $name', ({ open }) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  /** Two servers' handoff services on one store, and what a stored handoff looks like. */
  async function twoServers() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cwmn-handoffs-'));
    const file = path.join(dir, 'domains.json');
    fs.writeFileSync(file, JSON.stringify({ domains: { [SHOP]: { siteOrigins: [CHECKOUT] } } }));
    const domains = new DomainSettings({ file, base: { sessionMaxSeconds: 3600 }, log: () => {} });
    const origins = new OriginPolicy([SHOP, CHECKOUT], ['https://co.example'], () => domains.listedOrigins());
    const stores = await open();
    const servers = stores.map((store) => {
      const sessions = new SessionService({ store, sessionMaxSeconds: 3600, log: () => {} });
      cleanups.push(() => sessions.close());
      return { store, sessions, handoffs: new HandoffService({ store, sessions, domains, origins }) };
    });
    cleanups.push(async () => {
      await Promise.all([...new Set(stores)].map((s) => s.close()));
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const [a, b] = servers as [typeof servers[0], typeof servers[0]];
    const { session, hostToken } = await a.sessions.create({ hostName: 'Ada', hostEmail: '', isReplay: false, origin: SHOP });
    return { a, b, session, hostToken };
  }

  it('trades a token made on one server on the other, once, whoever races for it', async () => {
    const { a, b, session, hostToken } = await twoServers();
    const token = await a.handoffs.issue(session.id, hostToken);
    const stored = await b.store.getHandoff(hashToken(token), Date.now()) as HandoffRecord;
    expect(stored).toMatchObject({ sessionId: session.id, expiresAt: session.expiresAt });
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(JSON.stringify(stored)).not.toContain(hostToken);

    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).handoffs.redeem(token, CHECKOUT)));
    const traded = results.filter((r) => r.status === 'fulfilled');
    expect(traded).toHaveLength(1);
    expect(traded[0]).toMatchObject({ value: { hostToken, session: { id: session.id } } });
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: ErrorCode.NOT_FOUND });
  });

  it('replaces a session\'s token on any server, and forgets it when the session ends', async () => {
    const { a, b, session, hostToken } = await twoServers();
    const first = await a.handoffs.issue(session.id, hostToken);
    const second = await b.handoffs.issue(session.id, hostToken);
    await expect(a.handoffs.redeem(first, CHECKOUT)).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    await expect(b.handoffs.redeem(second, 'https://blog.example.com')).rejects.toMatchObject({ code: ErrorCode.UNAUTHORIZED });
    await b.handoffs.forget(session.id);
    await expect(a.handoffs.redeem(second, CHECKOUT)).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
  });

  it('refuses the token of a session that ended, before or after the server that ended it dropped it', async () => {
    const { a, b, session, hostToken } = await twoServers();
    const token = await a.handoffs.issue(session.id, hostToken);
    await a.store.endSession(session.id, 'host-ended', Date.now()); // Its handoff not dropped yet.
    await expect(b.handoffs.redeem(token, CHECKOUT)).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    expect(await a.store.getHandoff(hashToken(token), Date.now())).toBeUndefined();
  });
});
