import { describe, expect, it } from 'vitest';
import { MAX_QUEUED_BYTES, OutboundQueue, type FrameSink } from '../../../src/host/outbound-queue.js';
import { BUFFER_HIGH_BYTES } from '../../../src/transport/transport.js';
import { FrameAssembler } from '../../../src/protocol/index.js';

/** A data channel stand-in that buffers what it is given until drained. */
class FakeChannel implements FrameSink {
  bufferedAmount = 0;
  maxMessageSize = 256 * 1024;
  readonly sent: Uint8Array[] = [];
  sendDom(frame: Uint8Array): boolean {
    this.sent.push(frame);
    this.bufferedAmount += frame.length;
    return true;
  }
  drain(): void {
    this.bufferedAmount = 0;
  }
}

describe('OutboundQueue', () => {
  it('stops sending at the high-water mark and resumes on pump, in order', () => {
    const channel = new FakeChannel();
    const queue = new OutboundQueue(channel, () => { throw new Error('no overflow expected'); });
    const bytes = Uint8Array.from({ length: 3 * BUFFER_HIGH_BYTES }, (_, i) => (i * 7) % 256);
    queue.enqueue({ bytes, compressed: true });
    expect(channel.bufferedAmount).toBeGreaterThanOrEqual(BUFFER_HIGH_BYTES);
    expect(channel.bufferedAmount).toBeLessThan(BUFFER_HIGH_BYTES + 64 * 1024 + 1);
    while (queue.bytesSent < bytes.length) {
      const before = channel.sent.length;
      channel.drain();
      queue.pump();
      expect(channel.sent.length).toBeGreaterThan(before);
    }
    const assembler = new FrameAssembler();
    const results = channel.sent.map((f) => assembler.push(f)).filter((r) => r !== null);
    expect(results).toHaveLength(1);
    expect(Buffer.compare(results[0]!.bytes, bytes)).toBe(0);
    // Frames never exceed what the remote side accepts.
    expect(Math.max(...channel.sent.map((f) => f.length))).toBeLessThanOrEqual(channel.maxMessageSize);
  });

  it('drops its backlog and reports overflow when a guest falls too far behind', () => {
    const channel = new FakeChannel();
    let overflows = 0;
    const queue = new OutboundQueue(channel, () => overflows++);
    channel.bufferedAmount = BUFFER_HIGH_BYTES; // Stalled: nothing leaves.
    const chunk = new Uint8Array(16 * 1024 * 1024);
    let enqueued = 0;
    while (overflows === 0 && enqueued <= MAX_QUEUED_BYTES + chunk.length) {
      queue.enqueue({ bytes: chunk, compressed: true });
      enqueued += chunk.length;
    }
    expect(overflows).toBe(1);
    expect(enqueued).toBeGreaterThanOrEqual(MAX_QUEUED_BYTES); // frame headers push the last one over
    channel.drain();
    queue.pump();
    expect(channel.sent).toHaveLength(0);
  });
});
