import { describe, expect, it } from 'vitest';
import type { ReplayEvent } from '../../../src/protocol/index.js';
import {
  BadRecordingError, buildTimeline, captureFrames, CURSOR_HIDDEN, cursorTrack, FRAME_MS, frameSizeFor, seekOffset, splitPointerBatches,
} from '../../../signaling/replay/timeline.js';

const T0 = 1_700_000_000_000;
const meta = (t: number, href = 'https://shop.example/cart', width = 1024, height = 768): ReplayEvent =>
  ({ type: 4, timestamp: t, data: { href, width, height } });
const full = (t: number): ReplayEvent => ({ type: 2, timestamp: t, data: { node: {}, initialOffset: { top: 0, left: 0 } } });
const mutation = (t: number): ReplayEvent => ({ type: 3, timestamp: t, data: { source: 0, adds: [], removes: [], texts: [], attributes: [] } });
const mouse = (t: number, offsets: number[]): ReplayEvent =>
  ({ type: 3, timestamp: t, data: { source: 1, positions: offsets.map((o, i) => ({ x: i, y: i, id: 1, timeOffset: o })) } });

describe('frameSizeFor', () => {
  it('keeps a small viewport, caps a large one at 1280×720 keeping its aspect, and makes both sides even', () => {
    expect(frameSizeFor(800, 600)).toEqual({ width: 800, height: 600 });
    expect(frameSizeFor(1920, 1080)).toEqual({ width: 1280, height: 720 });
    expect(frameSizeFor(1000, 1000)).toEqual({ width: 720, height: 720 });
    expect(frameSizeFor(2560, 1000)).toEqual({ width: 1280, height: 500 });
    expect(frameSizeFor(801, 599)).toEqual({ width: 800, height: 598 });
    expect(frameSizeFor(0, NaN)).toEqual({ width: 1280, height: 720 });
  });
});

describe('splitPointerBatches', () => {
  it('gives every pointer position its own event at its own time', () => {
    const split = splitPointerBatches([mutation(T0), mouse(T0 + 100, [-48, -32, 0])]);
    expect(split.map((e) => e.timestamp)).toEqual([T0, T0 + 52, T0 + 68, T0 + 100]);
    expect(split.slice(1).map((e) => (e.data as any).positions)).toEqual([
      [{ x: 0, y: 0, id: 1, timeOffset: 0 }], [{ x: 1, y: 1, id: 1, timeOffset: 0 }], [{ x: 2, y: 2, id: 1, timeOffset: 0 }],
    ]);
  });
});

describe('buildTimeline', () => {
  it('starts at the first Meta, lasts until the last event, the audio or the host’s end, whichever is last', () => {
    const events = [mutation(T0 - 500), meta(T0), full(T0 + 2), mutation(T0 + 1000), mouse(T0 + 2000, [-16, 0])];
    const t = buildTimeline(events, { maxDurationMs: 600_000 });
    expect(t.startTime).toBe(T0);
    expect(t.events[0]!.type).toBe(4);
    expect(t.frameCount).toBe(Math.floor(2000 / FRAME_MS) + 1);
    expect(t.durationMs).toBe(t.frameCount * FRAME_MS);
    expect(t.frame).toEqual({ width: 960, height: 720 }); // 1024×768 scaled to fit 720 lines.
    expect(t.origins).toEqual(['https://shop.example']);
    // Screenshots where the page changed; the pointer-only frames just move the drawn cursor.
    expect(t.captures).toEqual([0, 25]);
    expect(t.pointerFrames).toEqual([49, 50]);
    expect(buildTimeline(events, { maxDurationMs: 600_000, endedAt: T0 + 5000 }).frameCount).toBe(126);
    expect(buildTimeline(events, { maxDurationMs: 600_000, audioEndsAt: T0 + 3000 }).frameCount).toBe(76);
  });

  it('cuts the recording at the maximum length', () => {
    const t = buildTimeline([meta(T0), full(T0), mutation(T0 + 500), mutation(T0 + 5000)], { maxDurationMs: 1000, endedAt: T0 + 9000 });
    expect(t.events.map((e) => e.timestamp)).toEqual([T0, T0, T0 + 500]);
    expect(t.frameCount).toBe(26);
  });

  it('takes every Meta event’s origin (navigation), and no non-http one', () => {
    const t = buildTimeline([meta(T0), full(T0), meta(T0 + 10, 'https://shop.example:8443/x'), meta(T0 + 20, 'file:///etc/passwd')], { maxDurationMs: 1000 });
    expect(t.origins).toEqual(['https://shop.example', 'https://shop.example:8443']);
  });

  it('refuses recordings it cannot render, with a readable reason', () => {
    expect(() => buildTimeline([], { maxDurationMs: 1000 })).toThrow(BadRecordingError);
    expect(() => buildTimeline([], { maxDurationMs: 1000 })).toThrow(/Nothing was recorded/);
    expect(() => buildTimeline([full(T0), mutation(T0 + 1)], { maxDurationMs: 1000 })).toThrow(/no page information/);
    expect(() => buildTimeline([meta(T0), mutation(T0 + 1)], { maxDurationMs: 1000 })).toThrow(/no full snapshot/);
  });
});

describe('captureFrames and seekOffset', () => {
  it('takes frame 0 and each frame an event falls into; frame i shows the events before its end', () => {
    expect(captureFrames([], 10)).toEqual([0]);
    expect(captureFrames([0, 39, 40, 41, 79.9, 80, 400, 1000], 11)).toEqual([0, 1, 2, 10]);
    expect(seekOffset(0)).toBe(FRAME_MS);
    expect(seekOffset(9)).toBe(10 * FRAME_MS);
  });
});

describe('cursorTrack', () => {
  const click = (t: number, x: number, y: number): ReplayEvent => ({ type: 3, timestamp: t, data: { source: 2, type: 2, id: 1, x, y } });
  const resize = (t: number, width: number, height: number): ReplayEvent => ({ type: 3, timestamp: t, data: { source: 4, width, height } });

  it('places the cursor where the pointer last was in each frame, through the page’s fit into the frame', () => {
    const frame = { width: 800, height: 600 };
    const events = [
      meta(T0, 'https://a.example/', 800, 600), full(T0),
      ...splitPointerBatches([mouse(T0 + 100, [-20, 0])]), // (0,0) at 80 ms, (1,1) at 100 ms: frame 2
      click(T0 + 200, 50, 60), // frame 5
      resize(T0 + 400, 1600, 1200), // half scale from frame 10
      meta(T0 + 800, 'https://a.example/next', 1600, 600), // 800×300 centred: top 150, from frame 20
    ];
    expect(cursorTrack(events, T0, 30, frame)).toEqual([
      { frame: 0, x: CURSOR_HIDDEN, y: CURSOR_HIDDEN },
      { frame: 2, x: 1, y: 1 },
      { frame: 5, x: 50, y: 60 },
      { frame: 10, x: 25, y: 30 },
      { frame: 20, x: 25, y: 180 },
    ]);
  });
});
