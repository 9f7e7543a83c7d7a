import { describe, expect, it } from 'vitest';
import { decodePayload, encodePayload, ErrorCode, FrameAssembler, toFrames } from '../../../src/protocol/index.js';

describe('framing', () => {
  it('sends a small message as one frame and chunks a large one', () => {
    expect(toFrames({ bytes: new Uint8Array(10), compressed: false }, 16)).toHaveLength(1);
    const frames = toFrames({ bytes: new Uint8Array(40), compressed: true }, 16);
    expect(frames.map((f) => f.length)).toEqual([17, 17, 9]);
  });

  it('reassembles chunks into the original bytes', () => {
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
    const a = new FrameAssembler();
    const frames = toFrames({ bytes, compressed: true }, 64);
    const results = frames.map((f) => a.push(f));
    expect(results.slice(0, -1).every((r) => r === null)).toBe(true);
    const last = results.at(-1)!;
    expect(last.compressed).toBe(true);
    expect([...last.bytes]).toEqual([...bytes]);
  });

  it('rejects empty frames, unknown flags, and messages over the limit', () => {
    const a = new FrameAssembler(100);
    expect(() => a.push(new Uint8Array(0))).toThrow(expect.objectContaining({ code: ErrorCode.PROTOCOL }));
    expect(() => a.push(Uint8Array.of(0x80, 1))).toThrow(expect.objectContaining({ code: ErrorCode.PROTOCOL }));
    const big = toFrames({ bytes: new Uint8Array(300), compressed: false }, 64);
    expect(() => big.forEach((f) => a.push(f))).toThrow(expect.objectContaining({ code: ErrorCode.TOO_LARGE }));
    // After an error the assembler accepts the next message.
    expect(a.push(Uint8Array.of(0, 65))?.bytes[0]).toBe(65);
  });

  it('rejects a whole frame in the middle of a chunked message', () => {
    const a = new FrameAssembler();
    const [first] = toFrames({ bytes: new Uint8Array(40), compressed: false }, 16);
    a.push(first!);
    expect(() => a.push(Uint8Array.of(0, 1))).toThrow(expect.objectContaining({ code: ErrorCode.PROTOCOL }));
  });
});

describe('codec', () => {
  it('round-trips small messages uncompressed and large ones deflated', async () => {
    const small = { t: 'events', events: [] };
    const p1 = await encodePayload(small);
    expect(p1.compressed).toBe(false);
    expect(await decodePayload(p1)).toEqual(small);
    const large = { t: 'events', events: Array.from({ length: 500 }, (_, i) => ({ type: 3, data: { text: `node ${i}` }, timestamp: i })) };
    const p2 = await encodePayload(large);
    expect(p2.compressed).toBe(true);
    expect(p2.bytes.length).toBeLessThan(JSON.stringify(large).length / 4);
    expect(await decodePayload(p2)).toEqual(large);
  });

  it('rejects corrupt data and non-JSON with ERR_PROTOCOL', async () => {
    await expect(decodePayload({ bytes: Uint8Array.of(1, 2, 3, 4), compressed: true })).rejects.toMatchObject({ code: ErrorCode.PROTOCOL });
    await expect(decodePayload({ bytes: new TextEncoder().encode('{nope'), compressed: false })).rejects.toMatchObject({ code: ErrorCode.PROTOCOL });
  });

  it('stops inflating a deflate bomb at the decoded-size limit', async () => {
    const zeros = new Uint8Array(4 * 1024 * 1024);
    const stream = new Blob([zeros]).stream().pipeThrough(new CompressionStream('deflate-raw'));
    const bomb = new Uint8Array(await new Response(stream).arrayBuffer());
    expect(bomb.length).toBeLessThan(16 * 1024);
    await expect(decodePayload({ bytes: bomb, compressed: true }, 1024 * 1024)).rejects.toMatchObject({ code: ErrorCode.TOO_LARGE });
  });
});
