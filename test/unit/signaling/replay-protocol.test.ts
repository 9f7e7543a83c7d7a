import { describe, expect, it } from 'vitest';
import {
  checkReplayEventsUpload, checkReplayFinishRequest, checkReplaySendRequest, isReplayStatus, MAX_REPLAY_RECIPIENTS,
  parseEmailList, parseReplayAudioQuery,
} from '../../../src/protocol/index.js';

describe('replay bodies', () => {
  it('accepts an events batch of rrweb-shaped events and says what is wrong otherwise', () => {
    expect(checkReplayEventsUpload({ seq: 0, events: [] })).toBeNull();
    expect(checkReplayEventsUpload({ seq: 3, events: [{ type: 4, timestamp: 1, data: {} }] })).toBeNull();
    expect(checkReplayEventsUpload({ seq: -1, events: [] })).toMatch(/seq/);
    expect(checkReplayEventsUpload({ seq: 1.5, events: [] })).toMatch(/seq/);
    expect(checkReplayEventsUpload({ seq: 0, events: {} })).toMatch(/events must be an array/);
    expect(checkReplayEventsUpload({ seq: 0, events: [{ type: 3, timestamp: 1 }, { type: 3 }] })).toMatch(/events\[1\]/);
    expect(checkReplayEventsUpload([])).toMatch(/object/);
  });

  it('parses the audio query', () => {
    expect(parseReplayAudioQuery(new URLSearchParams('segment=1&chunk=20&startedAt=1700000000000')))
      .toEqual({ segment: 1, chunk: 20, startedAt: 1_700_000_000_000 });
    expect(parseReplayAudioQuery(new URLSearchParams('segment=1&chunk=-1&startedAt=1'))).toMatch(/chunk/);
    expect(parseReplayAudioQuery(new URLSearchParams('chunk=1&startedAt=1'))).toMatch(/segment/);
    expect(parseReplayAudioQuery(new URLSearchParams('segment=0&chunk=0&startedAt=1e3'))).toMatch(/startedAt/);
  });

  it('checks finish and send bodies', () => {
    expect(checkReplayFinishRequest({})).toBeNull();
    expect(checkReplayFinishRequest({ endedAt: 1_700_000_000_000 })).toBeNull();
    expect(checkReplayFinishRequest({ endedAt: 'soon' })).toMatch(/endedAt/);
    expect(checkReplaySendRequest({ toEmails: 'a@b.example' })).toBeNull();
    expect(checkReplaySendRequest({ toEmails: 'a@b.example', subject: 'x'.repeat(201) })).toMatch(/subject/);
    expect(checkReplaySendRequest({ toEmails: 'a@b.example', message: 7 })).toMatch(/message/);
    expect(checkReplaySendRequest({ toEmails: '' })).toMatch(/toEmails/);
  });

  it('splits, checks and de-duplicates recipients', () => {
    expect(parseEmailList(' a@b.example, C@D.example ,a@b.example,')).toEqual(['a@b.example', 'c@d.example']);
    expect(parseEmailList('a@b.example, nope')).toBeNull();
    expect(parseEmailList('')).toBeNull();
    expect(parseEmailList(Array.from({ length: MAX_REPLAY_RECIPIENTS + 1 }, (_, i) => `u${i}@x.example`).join(','))).toBeNull();
  });

  it('recognises a status answer', () => {
    expect(isReplayStatus({ state: 'rendering', progress: 0.5, completed: false })).toBe(true);
    expect(isReplayStatus({ state: 'complete', progress: 1, completed: true, videoUrl: 'https://x/replays/a.mp4' })).toBe(true);
    expect(isReplayStatus({ state: 'done', progress: 1, completed: true })).toBe(false);
    expect(isReplayStatus({ state: 'queued', progress: 2, completed: false })).toBe(false);
  });
});
