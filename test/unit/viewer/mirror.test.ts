// @vitest-environment jsdom
// The mirror lets go of events it has applied: a long session must not grow the guest's memory,
// and the replica must stay exact while it does.

import { record } from 'rrweb';
import type { eventWithTime } from '@rrweb/types';
import { afterEach, describe, expect, it } from 'vitest';
import { Mirror, RETAINED_EVENTS_LIMIT } from '../../../src/viewer/mirror.js';
import type { WireEvent } from '../../../src/protocol/index.js';
import { settle } from './support/jsdom-sandbox.js';

describe('Mirror', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    document.body.innerHTML = '';
  });

  it('keeps a bounded number of events through 1,500 mutations, and the replica stays exact', async () => {
    // The "host": a list in this document, recorded by rrweb.
    const source = document.createElement('ul');
    source.id = 'source';
    document.body.append(source);
    const events: eventWithTime[] = [];
    const stop = record({ emit: (e) => void events.push(e) });
    cleanups.push(() => stop?.());

    // The "guest": a mirror in a separate root.
    const root = document.createElement('div');
    document.body.append(root);
    let applied = 0;
    const mirror = new Mirror({ root, onHostPointer: () => {}, onApplied: () => void applied++ });
    cleanups.push(() => mirror.destroy());

    let fed = 0;
    const feed = async () => {
      mirror.apply(events.slice(fed) as unknown as WireEvent[]);
      fed = events.length;
      await settle();
    };
    await feed();
    expect(mirror.ready).toBe(true);

    for (let i = 0; i < 1_500; i++) {
      const item = document.createElement('li');
      item.textContent = `item ${i}`;
      source.append(item);
      if (source.children.length > 20) source.firstElementChild!.remove();
      await Promise.resolve(); // Lets the MutationObserver emit.
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
