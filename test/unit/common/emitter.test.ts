import { describe, expect, it, vi } from 'vitest';
import { Emitter } from '../../../src/common/emitter.js';

type Events = { ping: (n: number) => void; pair: (a: string, b: { x: number }) => void };

describe('Emitter', () => {
  it('passes positional arguments and unsubscribes with the returned function', () => {
    const e = new Emitter<Events>();
    const seen: number[] = [];
    const off = e.on('ping', (n) => seen.push(n));
    e.emit('ping', 1);
    off();
    e.emit('ping', 2);
    expect(seen).toEqual([1]);
  });

  it('calls a once listener at most once, and its returned function cancels it', () => {
    const e = new Emitter<Events>();
    const a = vi.fn();
    const b = vi.fn();
    e.once('pair', a);
    const cancel = e.once('pair', b);
    cancel();
    e.emit('pair', 'x', { x: 1 });
    e.emit('pair', 'y', { x: 2 });
    expect(a).toHaveBeenCalledTimes(1);
    expect(a).toHaveBeenCalledWith('x', { x: 1 });
    expect(b).not.toHaveBeenCalled();
  });

  it('off() removes a listener registered with on() or once()', () => {
    const e = new Emitter<Events>();
    const a = vi.fn();
    const b = vi.fn();
    e.on('ping', a);
    e.once('ping', b);
    e.off('ping', a);
    e.off('ping', b);
    e.emit('ping', 1);
    expect(a).not.toHaveBeenCalled();
    expect(b).not.toHaveBeenCalled();
  });

  it('keeps calling other listeners when one throws, and reports the error asynchronously', async () => {
    const e = new Emitter<Events>();
    const after = vi.fn();
    const errors: unknown[] = [];
    const onError = (err: unknown) => errors.push(err);
    process.on('uncaughtException', onError);
    e.on('ping', () => { throw new Error('subscriber bug'); });
    e.on('ping', after);
    e.emit('ping', 3);
    expect(after).toHaveBeenCalledWith(3);
    await new Promise((r) => setTimeout(r, 10));
    process.off('uncaughtException', onError);
    expect(errors).toHaveLength(1);
  });
});
