// A small typed event emitter: one event map per emitter, `on()` returns an
// unsubscribe function, listeners that throw never break the emitter.

export type EventMap = Record<string, (...args: never[]) => void>;

export class Emitter<Events extends EventMap> {
  private listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  /** Registers `listener`; returns a function that removes it. */
  on<E extends keyof Events>(event: E, listener: Events[E]): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  /** Registers `listener` for the next occurrence only; returns a function that removes it. */
  once<E extends keyof Events>(event: E, listener: Events[E]): () => void {
    const wrapper = ((...args: Parameters<Events[E]>) => {
      off();
      (listener as (...a: Parameters<Events[E]>) => void)(...args);
    }) as Events[E];
    const off = this.on(event, wrapper);
    this.onceWrappers.set(listener, wrapper);
    return off;
  }

  off<E extends keyof Events>(event: E, listener: Events[E]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    if (!set.delete(listener)) {
      const wrapper = this.onceWrappers.get(listener);
      if (wrapper) set.delete(wrapper);
    }
  }

  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (...a: Parameters<Events[E]>) => void)(...args);
      } catch (err) {
        // A subscriber's bug must not stop the others or the engine.
        reportListenerError(err);
      }
    }
  }

  removeAllListeners(): void {
    this.listeners.clear();
  }

  private onceWrappers = new WeakMap<object, Events[keyof Events]>();
}

function reportListenerError(err: unknown): void {
  setTimeout(() => {
    throw err;
  });
}
