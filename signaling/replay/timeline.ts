// From uploaded rrweb events to a frame schedule: the events the render page
// replays, the recording's start and length, the video frame size, which
// frames need a fresh screenshot, and the origins the page may fetch from.

import type { ReplayEvent } from '../../src/protocol/index.js';
import { fitPage } from '../../src/replay-render/fit.js';

/** Video frame rate. */
export const FRAME_RATE = 25;
/** Length of one frame, in milliseconds. */
export const FRAME_MS = 1000 / FRAME_RATE;
/** Largest video frame; the host's viewport is scaled down to fit, keeping its aspect. */
export const MAX_FRAME_WIDTH = 1280;
export const MAX_FRAME_HEIGHT = 720;

/** rrweb event types and incremental sources the timeline looks at (from rrweb's `EventType`/`IncrementalSource`). */
const META = 4;
const FULL_SNAPSHOT = 2;
const INCREMENTAL = 3;
/** Sources whose events carry a `positions` array with negative `timeOffset`s: MouseMove, TouchMove, Drag. */
const POSITION_SOURCES = new Set([1, 6, 12]);
/** Incremental sources with a position: MouseInteraction (clicks), and ViewportResize. */
const MOUSE_INTERACTION = 2;
const VIEWPORT_RESIZE = 4;
/** Where the cursor is hidden (the cursor image is drawn off the frame). */
export const CURSOR_HIDDEN = -100;

/** A readable reason a recording cannot be rendered. */
export class BadRecordingError extends Error {
  override readonly name = 'BadRecordingError';
}

/** Width and height of a video frame, in pixels. */
export interface FrameSize {
  width: number;
  height: number;
}

/** Everything the renderer needs to know about the recording's timing and shape. */
export interface Timeline {
  /** Events to replay, sorted, starting with the first Meta event; pointer batches split into one event per position. */
  events: ReplayEvent[];
  /** Epoch ms (host clock) of the first Meta event: offset 0 of the video. */
  startTime: number;
  /** Length of the video, in ms (a whole number of frames). */
  durationMs: number;
  /** Number of video frames. */
  frameCount: number;
  /** Video frame size. */
  frame: FrameSize;
  /** Indexes of the frames that need a new screenshot (an event other than a pointer move fell into them). */
  captures: number[];
  /** Indexes of the other frames where the pointer moved: the cursor moves; a screenshot only if the hovered element changed. */
  pointerFrames: number[];
  /** Where the cursor is drawn, in frame pixels, from the given frame on (its tip; `CURSOR_HIDDEN` before the first position). */
  cursor: CursorMove[];
  /** Origins of the recorded pages (from the Meta events' `href`): the only hosts the render page may fetch from. */
  origins: string[];
}

/** The cursor's position from frame `frame` on. */
export interface CursorMove {
  frame: number;
  x: number;
  y: number;
}

/** True for events that only move the pointer (they change no pixel of the page but the cursor, and maybe the hover). */
export function isPointerMove(event: ReplayEvent): boolean {
  const source = (event.data as { source?: unknown } | undefined)?.source;
  return event.type === INCREMENTAL && POSITION_SOURCES.has(source as number);
}

/** Extra length information about a recording. */
export interface TimelineOptions {
  /** Longest video, in ms: later events are dropped. */
  maxDurationMs: number;
  /** Epoch ms (host clock) when the host said it stopped recording, if it did. */
  endedAt?: number | null;
  /** Epoch ms (host clock) when the recorded audio ends, if there is audio. */
  audioEndsAt?: number | null;
}

/** The video frame for a host viewport: at most 1280×720, same aspect, even sides. */
export function frameSizeFor(width: number, height: number): FrameSize {
  if (!(width > 0) || !(height > 0)) return { width: MAX_FRAME_WIDTH, height: MAX_FRAME_HEIGHT };
  const scale = Math.min(1, MAX_FRAME_WIDTH / width, MAX_FRAME_HEIGHT / height);
  const even = (n: number) => Math.max(2, Math.floor(n / 2) * 2);
  return { width: even(width * scale), height: even(height * scale) };
}

/**
 * Splits every pointer batch (positions with negative `timeOffset`s, stamped
 * when the batch was sent) into one event per position at its own time. The
 * frame schedule becomes exact, and rrweb's seek never re-applies events: it
 * dates a last-played pointer batch by its first position, not its stamp.
 */
export function splitPointerBatches(events: readonly ReplayEvent[]): ReplayEvent[] {
  const out: ReplayEvent[] = [];
  for (const event of events) {
    const data = event.data as { source?: unknown; positions?: unknown } | undefined;
    if (event.type !== INCREMENTAL || !data || !POSITION_SOURCES.has(data.source as number) || !Array.isArray(data.positions)
      || data.positions.length === 0) {
      out.push(event);
      continue;
    }
    for (const position of data.positions as Array<{ timeOffset?: unknown }>) {
      const offset = typeof position.timeOffset === 'number' && Number.isFinite(position.timeOffset) ? position.timeOffset : 0;
      out.push({ ...event, timestamp: event.timestamp + Math.min(0, offset), data: { ...data, positions: [{ ...position, timeOffset: 0 }] } });
    }
  }
  return out;
}

/** Builds the timeline of a recording; throws `BadRecordingError` when it cannot be rendered. */
export function buildTimeline(raw: readonly ReplayEvent[], options: TimelineOptions): Timeline {
  if (raw.length === 0) throw new BadRecordingError('Nothing was recorded: no page events were uploaded');
  const sorted = splitPointerBatches(raw).map((event, index) => ({ event, index }))
    .sort((a, b) => a.event.timestamp - b.event.timestamp || a.index - b.index)
    .map(({ event }) => event);
  const metaIndex = sorted.findIndex((e) => e.type === META);
  if (metaIndex < 0) throw new BadRecordingError('The recording has no page information (no rrweb Meta event)');
  const meta = sorted[metaIndex]!;
  const startTime = meta.timestamp;
  const maxEnd = startTime + options.maxDurationMs;
  const events = sorted.slice(metaIndex).filter((e) => e.timestamp <= maxEnd);
  if (!events.some((e) => e.type === FULL_SNAPSHOT)) {
    throw new BadRecordingError('The recording has no full snapshot of the page (rrweb FullSnapshot event)');
  }

  const lastEvent = events[events.length - 1]!.timestamp;
  const end = Math.min(maxEnd, Math.max(lastEvent, options.endedAt ?? 0, options.audioEndsAt ?? 0));
  const frameCount = Math.floor((end - startTime) / FRAME_MS) + 1;
  const metaData = meta.data as { width?: unknown; height?: unknown } | undefined;
  const frame = frameSizeFor(Number(metaData?.width), Number(metaData?.height));
  const captures = captureFrames(events.filter((e) => !isPointerMove(e)).map((e) => e.timestamp - startTime), frameCount);
  const captured = new Set(captures);
  const pointerFrames = captureFrames(events.filter(isPointerMove).map((e) => e.timestamp - startTime), frameCount)
    .filter((i) => !captured.has(i));
  return {
    events,
    startTime,
    durationMs: frameCount * FRAME_MS,
    frameCount,
    frame,
    captures,
    pointerFrames,
    cursor: cursorTrack(events, startTime, frameCount, frame),
    origins: recordedOrigins(events),
  };
}

/**
 * The cursor's frame position over time, as rrweb's replayer places its own:
 * the last pointer position (moves, clicks) before each frame's end, in the
 * page's viewport, mapped through the page's fit into the frame. (Positions
 * inside nested iframes are taken as the top page's.)
 */
export function cursorTrack(events: readonly ReplayEvent[], startTime: number, frameCount: number, frame: FrameSize): CursorMove[] {
  const moves: CursorMove[] = [{ frame: 0, x: CURSOR_HIDDEN, y: CURSOR_HIDDEN }];
  let page: FrameSize = { width: frame.width, height: frame.height };
  let pointer: { x: number; y: number } | null = null;
  const place = (i: number) => {
    if (!pointer) return;
    const fit = fitPage(frame, page);
    const x = Math.round(fit.left + pointer.x * fit.scale);
    const y = Math.round(fit.top + pointer.y * fit.scale);
    const last = moves[moves.length - 1]!;
    if (last.x === x && last.y === y) return;
    if (last.frame === i) moves[moves.length - 1] = { frame: i, x, y };
    else moves.push({ frame: i, x, y });
  };
  for (const event of events) {
    const i = Math.floor(Math.max(0, event.timestamp - startTime) / FRAME_MS);
    if (i >= frameCount) break;
    const data = event.data as Record<string, unknown> | undefined;
    const size = { width: Number(data?.width), height: Number(data?.height) };
    if (event.type === META || (event.type === INCREMENTAL && data?.source === VIEWPORT_RESIZE)) {
      if (size.width > 0 && size.height > 0) page = size;
    } else if (isPointerMove(event)) {
      const position = (data?.positions as Array<{ x?: unknown; y?: unknown }> | undefined)?.at(-1);
      if (typeof position?.x === 'number' && typeof position.y === 'number') pointer = { x: position.x, y: position.y };
    } else if (event.type === INCREMENTAL && data?.source === MOUSE_INTERACTION && typeof data.x === 'number' && typeof data.y === 'number') {
      pointer = { x: data.x, y: data.y };
    } else {
      continue;
    }
    place(i);
  }
  return moves;
}

/**
 * Frame `i` shows every event earlier than `(i + 1) × FRAME_MS`: it needs a
 * screenshot when an event falls into `[i × FRAME_MS, (i + 1) × FRAME_MS)`.
 * Frame 0 is always taken.
 */
export function captureFrames(offsets: readonly number[], frameCount: number): number[] {
  const frames = new Set<number>([0]);
  for (const offset of offsets) {
    const i = Math.floor(Math.max(0, offset) / FRAME_MS);
    if (i < frameCount) frames.add(i);
  }
  return [...frames].sort((a, b) => a - b);
}

/** The seek offset (ms after the first event) that shows frame `i`. */
export function seekOffset(i: number): number {
  return (i + 1) * FRAME_MS;
}

function recordedOrigins(events: readonly ReplayEvent[]): string[] {
  const origins = new Set<string>();
  for (const e of events) {
    if (e.type !== META) continue;
    const href = (e.data as { href?: unknown } | undefined)?.href;
    if (typeof href !== 'string') continue;
    try {
      const url = new URL(href);
      if (url.protocol === 'http:' || url.protocol === 'https:') origins.add(url.origin);
    } catch {
      // A page without a usable address fetches nothing.
    }
  }
  return [...origins];
}
