// @vitest-environment jsdom
// The replayer's script loads while the guest joins: page data that arrives
// before it must be applied in order once it is in, and a script that never
// comes must be reported, not leave the page blank.

import { afterEach, describe, expect, it } from 'vitest';
import * as mirrorModule from '../../../src/viewer/mirror.js';
import { DeferredMirror, type MirrorModule } from '../../../src/viewer/deferred-mirror.js';
import { guestRoot, recordedHost, settle } from './support/jsdom-page.js';

/** A load the test finishes by hand; `calls` counts the times it was asked for. */
function manualLoad() {
  let resolve!: (m: MirrorModule) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<MirrorModule>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const loading = {
    calls: 0,
    load: () => {
      loading.calls++;
      return promise;
    },
    resolve,
    reject,
  };
  return loading;
}

describe('DeferredMirror', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    document.body.innerHTML = '';
  });

  const host = () => recordedHost(cleanups);

  it('loads the replayer only when asked, once', async () => {
    const loading = manualLoad();
    const mirror = new DeferredMirror({
      root: guestRoot(), load: loading.load, onHostPointer: () => {}, onApplied: () => {}, onLoadFailed: () => {},
    });
    cleanups.push(() => mirror.destroy());
    await settle();
    expect(loading.calls).toBe(0);
    mirror.load();
    mirror.load();
    loading.resolve(mirrorModule);
    await settle();
    mirror.load();
    expect(loading.calls).toBe(1);
  });

  it('applies the batches that came before the replayer in order, then the later ones as they come', async () => {
    const { source, take, add } = host();
    const root = guestRoot();
    const loading = manualLoad();
    const applied: boolean[] = [];
    const failures: unknown[] = [];
    const mirror = new DeferredMirror({
      root, load: loading.load, onHostPointer: () => {}, onApplied: (snapshot) => void applied.push(snapshot),
      onLoadFailed: (e) => void failures.push(e),
    });
    cleanups.push(() => mirror.destroy());

    mirror.apply(take()); // Meta + full snapshot, before loading was even asked for.
    mirror.load();
    for (let i = 0; i < 30; i++) {
      await add(`early ${i}`);
      if (i % 10 === 9) mirror.apply(take());
    }
    await settle();
    expect(mirror.ready).toBe(false);
    expect(mirror.fromRoot(10, 10)).toBeNull();
    expect(mirror.toRoot(10, 20)).toEqual({ left: 10, top: 20 });
    expect(root.querySelector('iframe')).toBeNull();
    expect(applied).toEqual([]);

    loading.resolve(mirrorModule);
    await settle();
    expect(mirror.ready).toBe(true);
    expect(applied).toEqual([true, false, false, false]);
    const replica = () => root.querySelector('iframe')!.contentDocument!.getElementById('source')!;
    expect([...replica().children].map((li) => li.textContent)).toEqual([...source.children].map((li) => li.textContent));

    await add('late');
    mirror.apply(take());
    await settle();
    expect(replica().lastElementChild!.textContent).toBe('late');
    expect(replica().children).toHaveLength(31);
    expect(failures).toEqual([]);
  });

  it('reports a replayer script that could not be loaded, once, and drops what it kept', async () => {
    const { take } = host();
    const root = guestRoot();
    const loading = manualLoad();
    const failures: unknown[] = [];
    let applied = 0;
    const mirror = new DeferredMirror({
      root, load: loading.load, onHostPointer: () => {}, onApplied: () => void applied++, onLoadFailed: (e) => void failures.push(e),
    });
    mirror.apply(take());
    mirror.load();
    const error = new TypeError('Failed to fetch dynamically imported module');
    loading.reject(error);
    await settle();
    expect(failures).toEqual([error]);
    mirror.apply(take());
    mirror.fit();
    await settle();
    expect(mirror.ready).toBe(false);
    expect(applied).toBe(0);
    expect(root.querySelector('iframe')).toBeNull();
  });

  it('builds nothing once loading was given up (a final status came first)', async () => {
    const { take } = host();
    const root = guestRoot();
    const loading = manualLoad();
    const failures: unknown[] = [];
    let applied = 0;
    const mirror = new DeferredMirror({
      root, load: loading.load, onHostPointer: () => {}, onApplied: () => void applied++, onLoadFailed: (e) => void failures.push(e),
    });
    mirror.apply(take());
    mirror.load();
    mirror.stopLoading();
    mirror.load();
    loading.resolve(mirrorModule);
    await settle();
    expect(root.querySelector('iframe')).toBeNull();
    expect(applied).toBe(0);
    expect(failures).toEqual([]);
  });

  it('keeps a built replayer when loading is given up late, so its last frame stays', async () => {
    const { take } = host();
    const root = guestRoot();
    const mirror = new DeferredMirror({
      root, load: async () => mirrorModule, onHostPointer: () => {}, onApplied: () => {}, onLoadFailed: () => {},
    });
    cleanups.push(() => mirror.destroy());
    mirror.load();
    await settle();
    mirror.apply(take());
    await settle();
    mirror.stopLoading();
    expect(mirror.ready).toBe(true);
    expect(root.querySelector('iframe')!.contentDocument!.getElementById('source')).not.toBeNull();
  });
});
