// The page API of the replay render page (`window.cwmnRender`), shared by the
// page and the server's render worker that drives it. Types only.

import type { eventWithTime } from '@rrweb/types';

/** Size of the video frame, in CSS pixels (the page's viewport is set to it). */
export interface FrameSize {
  width: number;
  height: number;
}

/** What the render worker calls through `page.evaluate`. */
export interface RenderPageApi {
  /** Appends a chunk of events (sorted by timestamp) before `start`; returns how many are held. */
  add(events: eventWithTime[]): number;
  /** Builds the replayer over the events held, scaled to fit `frame`; resolves once the first snapshot is built. */
  start(frame: FrameSize): Promise<void>;
  /**
   * Seeks to `offsetMs` after the first event (every event earlier than that is
   * applied), then waits up to `maxWaitMs` for images and fonts to load.
   * Resolves true when the element under the pointer changed (a `:hover` style may show).
   */
  seek(offsetMs: number, maxWaitMs: number): Promise<boolean>;
  /** The cursor drawn over the video, as a PNG (base64); its tip is at (0, 0). */
  cursorImage(): Promise<string>;
}

/** The global the page defines. */
export const RENDER_PAGE_GLOBAL = 'cwmnRender';
