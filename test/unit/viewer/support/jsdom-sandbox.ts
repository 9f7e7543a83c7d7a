// jsdom has no `HTMLIFrameElement.sandbox`, which rrweb reads to check that it
// rebuilds into a sandboxed iframe: this gives it one, read from the attribute.
// Imported for its effect by the viewer's jsdom tests.

if (!('sandbox' in HTMLIFrameElement.prototype)) {
  Object.defineProperty(HTMLIFrameElement.prototype, 'sandbox', {
    get(this: HTMLIFrameElement) {
      return (this.getAttribute('sandbox') ?? '').split(/\s+/).filter(Boolean);
    },
  });
}

/** Lets pending microtasks and a timer turn pass (rrweb applies events in a microtask). */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
