// Where the replayed page sits in the video frame: scaled to fit, centred,
// on whole pixels. Used by the render page (to place the page) and by the
// render worker (to place the cursor it draws over the frames).

import type { FrameSize } from './api.js';

/** Scale and offset of the page inside the frame. */
export interface Fit {
  scale: number;
  left: number;
  top: number;
}

/** Fits a `page`-sized viewport into `frame`, keeping its aspect. */
export function fitPage(frame: FrameSize, page: FrameSize): Fit {
  if (!(page.width > 0) || !(page.height > 0)) return { scale: 1, left: 0, top: 0 };
  const scale = Math.min(frame.width / page.width, frame.height / page.height);
  return {
    scale,
    left: Math.floor((frame.width - page.width * scale) / 2),
    top: Math.floor((frame.height - page.height * scale) / 2),
  };
}
