// @vitest-environment jsdom
// The mirror lets go of events it has applied: a long session must not grow the guest's memory,
// and the replica must stay exact while it does.

import { afterEach, describe, expect, it } from 'vitest';
import { Mirror, RETAINED_EVENTS_LIMIT } from '../../../src/viewer/mirror.js';
import { guestRoot, recordedHost, settle } from './support/jsdom-page.js';

describe('Mirror', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    document.body.innerHTML = '';
  });

  it('keeps a bounded number of events through 1,500 mutations, and the replica stays exact', async () => {
    const { source, take, add } = recordedHost(cleanups);
    let applied = 0;
    const mirror = new Mirror({ root: guestRoot(), onHostPointer: () => {}, onApplied: () => void applied++ });
    cleanups.push(() => mirror.destroy());

    let fed = 0;
    const feed = async () => {
      const batch = take();
      fed += batch.length;
      mirror.apply(batch);
      await settle();
    };
    await feed();
    expect(mirror.ready).toBe(true);

    for (let i = 0; i < 1_500; i++) {
      if (source.children.length >= 20) source.firstElementChild!.remove();
      await add(`item ${i}`);
      if (i % 25 === 24) await feed();
    }
    await settle();
    await feed();

    expect(fed).toBeGreaterThan(3 * RETAINED_EVENTS_LIMIT);
    expect(mirror.retainedEvents).toBeLessThanOrEqual(RETAINED_EVENTS_LIMIT);
    expect(applied).toBeGreaterThan(60);
    const replica = mirror.iframe.contentDocument!.getElementById('source')!;
    expect([...replica.children].map((li) => li.textContent)).toEqual([...source.children].map((li) => li.textContent));
    expect(replica.lastElementChild!.textContent).toBe('item 1499');
  });
});
