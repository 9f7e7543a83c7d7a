import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LinkRecovery, PEER_RECOVERY_MS, PEER_RETRY_BASE_MS } from '../../../src/host/link-recovery.js';

describe('LinkRecovery', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  function make() {
    const calls: string[] = [];
    const recovery = new LinkRecovery({
      retry: (id) => calls.push(`retry ${id}`),
      giveUp: (id) => calls.push(`give up ${id}`),
      onDown: (id, down) => calls.push(`${down ? 'down' : 'up'} ${id}`),
    });
    return { recovery, calls };
  }

  it('reports the link down once, retries with back-off, and up when it is back', () => {
    const { recovery, calls } = make();
    recovery.dropped('g1');
    vi.advanceTimersByTime(PEER_RETRY_BASE_MS);
    recovery.dropped('g1'); // The new offer failed too: next try waits twice as long.
    vi.advanceTimersByTime(PEER_RETRY_BASE_MS * 2 - 1);
    expect(calls).toEqual(['down g1', 'retry g1']);
    vi.advanceTimersByTime(1);
    recovery.stop('g1');
    recovery.stop('g1');
    expect(calls).toEqual(['down g1', 'retry g1', 'retry g1', 'up g1']);
    vi.advanceTimersByTime(PEER_RECOVERY_MS);
    expect(calls).toHaveLength(4);
  });

  it('gives up after the recovery time, and destroy() cancels everything', () => {
    const { recovery, calls } = make();
    recovery.dropped('g1');
    recovery.dropped('g2');
    recovery.stop('g2');
    vi.advanceTimersByTime(PEER_RECOVERY_MS);
    expect(calls).toContain('give up g1');
    expect(calls).not.toContain('give up g2');
    recovery.dropped('g3');
    recovery.destroy();
    vi.advanceTimersByTime(PEER_RECOVERY_MS);
    expect(calls.filter((c) => c.endsWith('g3'))).toEqual(['down g3', 'up g3']);
  });
});
