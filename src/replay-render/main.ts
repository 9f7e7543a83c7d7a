// The replay render page: rrweb's Replayer (not live: seeked frame by frame)
// in its sandboxed iframe, scaled into the video frame. The server's render
// worker feeds it events through `window.cwmnRender` and takes screenshots.

import { Replayer } from 'rrweb';
import type { eventWithTime } from '@rrweb/types';
import type { FrameSize, RenderPageApi } from './api.js';
import { fitPage } from './fit.js';

/** Rules injected into the replayed document: nothing moves on its own, so a frame depends only on the recording. */
const FREEZE_RULES = [
  '*, *::before, *::after { transition: none !important; animation: none !important; caret-color: transparent !important; scroll-behavior: auto !important; }',
];

/** Time given to the replayer's own deferred first rebuild (it uses a 1 ms timer). */
const FIRST_BUILD_DELAY_MS = 20;

/** The arrow drawn over the video (rrweb's cursor), tip at the top left. */
const CURSOR_SVG = 'data:image/svg+xml;base64,PHN2ZyBoZWlnaHQ9JzMwMHB4JyB3aWR0aD0nMzAwcHgnICBmaWxsPSIjMDAwMDAwIiB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIGRhdGEtbmFtZT0iTGF5ZXIgMSIgdmlld0JveD0iMCAwIDUwIDUwIiB4PSIwcHgiIHk9IjBweCI+PHRpdGxlPkRlc2lnbl90bnA8L3RpdGxlPjxwYXRoIGQ9Ik00OC43MSw0Mi45MUwzNC4wOCwyOC4yOSw0NC4zMywxOEExLDEsMCwwLDAsNDQsMTYuMzlMMi4zNSwxLjA2QTEsMSwwLDAsMCwxLjA2LDIuMzVMMTYuMzksNDRhMSwxLDAsMCwwLDEuNjUuMzZMMjguMjksMzQuMDgsNDIuOTEsNDguNzFhMSwxLDAsMCwwLDEuNDEsMGw0LjM4LTQuMzhBMSwxLDAsMCwwLDQ4LjcxLDQyLjkxWm0tNS4wOSwzLjY3TDI5LDMyYTEsMSwwLDAsMC0xLjQxLDBsLTkuODUsOS44NUwzLjY5LDMuNjlsMzguMTIsMTRMMzIsMjcuNThBMSwxLDAsMCwwLDMyLDI5TDQ2LjU5LDQzLjYyWiI+PC9wYXRoPjwvc3ZnPg==';
/** Side of the cursor image, in pixels. */
const CURSOR_SIZE = 20;

const held: eventWithTime[] = [];
let hovered: Element | null = null;
let replayer: Replayer | null = null;
let frame: FrameSize = { width: 0, height: 0 };
let page: FrameSize = { width: 0, height: 0 };

function fit(): void {
  if (!replayer || !page.width || !page.height) return;
  const { scale, left, top } = fitPage(frame, page);
  const wrapper = replayer.wrapper;
  wrapper.style.width = `${page.width}px`;
  wrapper.style.height = `${page.height}px`;
  wrapper.style.left = `${left}px`;
  wrapper.style.top = `${top}px`;
  wrapper.style.transform = `scale(${scale})`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves when every eager image of the replayed document has loaded or failed, and its fonts are ready. */
async function loaded(doc: Document): Promise<void> {
  const images = [...doc.images].filter((img) => !img.complete && img.loading !== 'lazy');
  await Promise.all(images.map((img) => new Promise<void>((resolve) => {
    img.addEventListener('load', () => resolve(), { once: true });
    img.addEventListener('error', () => resolve(), { once: true });
  })));
  await doc.fonts?.ready;
}

const api: RenderPageApi = {
  add(events) {
    for (const e of events) held.push(e);
    return held.length;
  },

  async start(size) {
    if (replayer) throw new Error('already started');
    frame = size;
    replayer = new Replayer(held.splice(0), {
      root: document.getElementById('stage')!,
      speed: 1,
      skipInactive: false,
      showWarning: false,
      showDebug: false,
      mouseTail: false,
      triggerFocus: false,
      pauseAnimation: true,
      UNSAFE_replayCanvas: false,
      insertStyleRules: FREEZE_RULES,
    });
    replayer.on('resize', (d) => {
      page = d as FrameSize;
      fit();
    });
    await sleep(FIRST_BUILD_DELAY_MS);
  },

  async seek(offsetMs, maxWaitMs) {
    if (!replayer) throw new Error('not started');
    replayer.pause(offsetMs);
    const doc = replayer.iframe.contentDocument;
    if (!doc) return false;
    if (maxWaitMs > 0) await Promise.race([loaded(doc), sleep(maxWaitMs)]);
    // rrweb marks the element under the pointer and its ancestors with the class ":hover"; the deepest is last.
    const marked = doc.querySelectorAll('.\\:hover');
    const deepest = marked.length > 0 ? marked[marked.length - 1]! : null;
    const changed = deepest !== hovered;
    hovered = deepest;
    return changed;
  },

  async cursorImage() {
    const image = new Image();
    image.src = CURSOR_SVG;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = CURSOR_SIZE;
    canvas.height = CURSOR_SIZE;
    canvas.getContext('2d')!.drawImage(image, 0, 0, CURSOR_SIZE, CURSOR_SIZE);
    return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
  },
};

(window as unknown as Record<string, RenderPageApi>).cwmnRender = api;
