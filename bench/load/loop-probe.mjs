// Loaded into the server process by the load tool (`node --import`), never by
// the server itself: measures the process's event-loop delay and memory and
// answers the tool over the IPC channel it was started with. Each long stall
// is split, from Linux's /proc/<pid>/task/<pid>/schedstat of the main thread,
// into the time that thread ran (the server's own work: a long task) and the
// time it was runnable but waited for a core (other processes held them).
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Timer resolution of the delay histogram and of the stall watch: a stall shorter than this is not seen. */
const RESOLUTION_MS = 5;
/** Stalls longer than this are kept with their split. */
const NOTED_STALL_MS = 10;
/** How many of the longest stalls are kept. */
const LONGEST_KEPT = 5;

const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
histogram.enable();

const SCHEDSTAT = `/proc/${process.pid}/task/${process.pid}/schedstat`;
/** [ran, waited] of the main thread so far, ns; null where /proc has no schedstat. */
function schedstat() {
  try {
    const [ran, waited] = readFileSync(SCHEDSTAT, 'utf8').split(' ').map(Number);
    return [ran, waited];
  } catch {
    return null;
  }
}

const ms = (ns) => Math.round((ns / 1e6) * 10) / 10;
const round = (x) => Math.round(x * 10) / 10;

let longest = [];
/** The longest main-thread run time within one stall (the longest task seen), ms. */
let longestRunMs = 0;
let last = performance.now();
let lastSched = schedstat();
setInterval(() => {
  const now = performance.now();
  const sched = schedstat();
  const stall = now - last - RESOLUTION_MS;
  const ran = sched && lastSched ? (sched[0] - lastSched[0]) / 1e6 : null;
  const waited = sched && lastSched ? (sched[1] - lastSched[1]) / 1e6 : null;
  last = now;
  lastSched = sched;
  if (ran !== null && ran > longestRunMs) longestRunMs = ran;
  if (stall < NOTED_STALL_MS || (longest.length >= LONGEST_KEPT && stall <= longest[longest.length - 1].ms)) return;
  const entry = { ms: round(stall), ranMs: ran === null ? null : round(ran), waitedMs: waited === null ? null : round(waited), endedAt: Date.now() };
  longest = [...longest, entry].sort((a, b) => b.ms - a.ms).slice(0, LONGEST_KEPT);
}, RESOLUTION_MS).unref();

process.on('message', (message) => {
  if (message?.type === 'reset') {
    histogram.reset();
    longest = [];
    longestRunMs = 0;
    process.send?.({ type: 'reset', id: message.id });
  } else if (message?.type === 'read') {
    if (message.gc && typeof globalThis.gc === 'function') globalThis.gc();
    const memory = process.memoryUsage();
    process.send?.({
      type: 'read', id: message.id, resolutionMs: RESOLUTION_MS,
      delay: { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), count: histogram.count },
      longest,
      longestTaskMs: lastSched === null ? null : round(longestRunMs),
      memory: { rss: memory.rss, heapUsed: memory.heapUsed, external: memory.external, arrayBuffers: memory.arrayBuffers },
    });
  }
});
// The channel must not keep the server alive once it stops.
process.channel?.unref();
