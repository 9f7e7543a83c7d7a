// Compile-only checks of the public event map (run by vitest's typecheck).
import { expectTypeOf, test } from 'vitest';
import type { CwmnAPI } from '../../../src/host/api.js';
import type { Guest } from '../../../src/host/guest.js';

declare const api: CwmnAPI;

test('event callbacks receive positional, typed arguments', () => {
  api.on('in session', (isResuming) => expectTypeOf(isResuming).toEqualTypeOf<boolean>());
  api.on('guest connected', (guestId, guest) => {
    expectTypeOf(guestId).toEqualTypeOf<string>();
    expectTypeOf(guest).toEqualTypeOf<Guest>();
  });
  api.on('roomdata update', (list) => expectTypeOf(list).toEqualTypeOf<Guest[]>());
  api.on('click', (guestId, pos) => {
    expectTypeOf(guestId).toEqualTypeOf<string>();
    expectTypeOf(pos).toEqualTypeOf<{ x: number; y: number }>();
  });
  api.on('replay progress', (p) => expectTypeOf(p.progress).toEqualTypeOf<number>());
  expectTypeOf(api.once('init', () => {})).toEqualTypeOf<() => void>();

  // @ts-expect-error: not an event of the specification
  api.on('guest joined', () => {});
  // @ts-expect-error: `click` passes a string id first
  api.on('click', (guestId: number) => guestId);
  // @ts-expect-error: `in session` passes a boolean
  api.on('in session', (isResuming: string) => isResuming);
});
