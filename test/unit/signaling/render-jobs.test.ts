import { describe, expect, it } from 'vitest';
import type { RenderJob } from '../../../signaling/replay/render-job.js';
import { parseJobData, toJobData } from '../../../signaling/replay/render-jobs.js';

const job: RenderJob = {
  dir: '/srv/cwmn/replays/abcdef123', pageUrl: 'http://127.0.0.1:1/replay-render/', chromiumPath: '/usr/bin/chromium',
  maxDurationMs: 600_000, endedAt: 1_790_000_000_000, audioSegments: [{ segment: 0, startedAt: 1_789_999_990_000 }], permittedOrigins: ['https://shop.example'],
};

describe('render job data', () => {
  it('carries the replay id and the recording\'s figures, never the server\'s paths or URLs', () => {
    const data = toJobData('abcdef123', job, 120_000);
    expect(parseJobData(JSON.parse(JSON.stringify(data)))).toEqual(data);
    expect(JSON.stringify(data)).not.toMatch(/srv|127\.0\.0\.1|chromium/);
  });

  it('refuses another version, a bad id, out-of-range numbers and garbage', () => {
    const good = toJobData('abcdef123', job, 120_000);
    for (const bad of [
      null, 'render', [], { ...good, v: 2 }, { ...good, id: '../../etc' }, { ...good, limitMs: 0 }, { ...good, limitMs: 1e12 },
      { ...good, endedAt: -1 }, { ...good, audioSegments: [{ segment: 'x', startedAt: 0 }] }, { ...good, permittedOrigins: [42] },
    ]) {
      expect(parseJobData(bad), JSON.stringify(bad)).toBeNull();
    }
  });
});
