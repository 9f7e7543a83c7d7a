// A host page and a guest's root in one jsdom document, for the viewer's tests:
// rrweb records a list in the document, the mirror rebuilds it elsewhere.
//
// jsdom has no `HTMLIFrameElement.sandbox`, which rrweb reads to check that it
// rebuilds into a sandboxed iframe: this gives it one, read from the attribute.

import { record } from 'rrweb';
import type { eventWithTime } from '@rrweb/types';
import type { WireEvent } from '../../../../src/protocol/index.js';

if (!('sandbox' in HTMLIFrameElement.prototype)) {
  Object.defineProperty(HTMLIFrameElement.prototype, 'sandbox', {
    get(this: HTMLIFrameElement) {
      return (this.getAttribute('sandbox') ?? '').split(/\s+/).filter(Boolean);
    },
  });
}

/** Lets pending microtasks and a timer turn pass (rrweb applies events in a microtask). */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A recorded "host" list (`#source`); `take()` hands over the events recorded since the last call. */
export function recordedHost(cleanups: (() => void)[]): { source: HTMLElement; take(): WireEvent[]; add(text: string): Promise<void> } {
  const source = document.createElement('ul');
  source.id = 'source';
  document.body.append(source);
  const events: eventWithTime[] = [];
  const stop = record({ emit: (e) => void events.push(e) });
  cleanups.push(() => stop?.());
  let taken = 0;
  return {
    source,
    take() {
      const batch = events.slice(taken) as unknown as WireEvent[];
      taken = events.length;
      return batch;
    },
    async add(text: string) {
      const item = document.createElement('li');
      item.textContent = text;
      source.append(item);
      await Promise.resolve(); // Lets the MutationObserver emit.
    },
  };
}

/** An element for a guest's mirror to build into. */
export function guestRoot(): HTMLElement {
  const root = document.createElement('div');
  document.body.append(root);
  return root;
}
