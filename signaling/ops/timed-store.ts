// A store whose every operation's latency is observed (the store latency
// histogram of `/metrics`), whichever store it wraps.

import type { Store } from '../state/store.js';

/** `store`, with `observe(operation, seconds)` called as each call settles. */
export function timedStore(store: Store, observe: (operation: string, seconds: number) => void): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string' || property === 'close') return value;
      return (...args: unknown[]) => {
        const started = performance.now();
        const done = () => observe(property, (performance.now() - started) / 1000);
        const result = (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        result.then(done, done);
        return result;
      };
    },
  });
}
