// Runs in the benchmark page: times rrweb full snapshots and a mutation burst
// with the project's masking options and without any, to price masking.
import { record } from 'rrweb';
import { maskingOptions } from '../src/host/masking.js';

function timeSnapshots(options: Parameters<typeof record>[0], rounds: number): number[] {
  const times: number[] = [];
  const stop = record({ ...options, emit: () => {} });
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    record.takeFullSnapshot(true);
    times.push(performance.now() - t);
  }
  stop?.();
  return times;
}

(window as unknown as { __maskingCost: (rounds: number) => { masked: number[]; plain: number[] } }).__maskingCost = (rounds) => {
  const masked = timeSnapshots({ ...maskingOptions() }, rounds);
  const plain = timeSnapshots({}, rounds);
  return { masked, plain };
};
