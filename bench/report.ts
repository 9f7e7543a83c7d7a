// The benchmark's outputs: a table on stdout, bench/results/latest.json and BENCHMARKS.md
// (a partial run, `BENCH_ONLY`, writes bench/results/partial.json instead).

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { JOIN_STAGES, type JoinStage, type ScriptTransfer } from './join-time.js';
import type { ByteCounts, WireBytes } from './wire-bytes.js';

/** One row of the table. */
export interface Figure {
  id: string;
  title: string;
  /** The measured value, as shown. */
  value: string;
  target: string;
  /** null when the figure could not be measured. */
  pass: boolean | null;
  error?: string;
  /** The numbers behind the value. */
  data?: unknown;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  chromium: string;
}

/** Median time of each join stage over the runs on one page. */
export interface JoinStages {
  page: string;
  runs: number;
  medians: Partial<Record<JoinStage, number>>;
  /** The viewer's scripts as served (see JoinSample.viewerScripts), from the last run. */
  viewerScripts: ScriptTransfer[];
}

export interface Report {
  date: string;
  durationSeconds: number;
  /** The figures `BENCH_ONLY` selected; null for a whole run. */
  only: string[] | null;
  machine: Machine;
  /** 1, 5 and 15-minute load averages when the run started and ended: other work on the machine skews times. */
  loadAverage: { start: number[]; end: number[] };
  /** Event-loop delay of the bench process, which also runs the server. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  figures: Figure[];
  joinStages: JoinStages[];
  wireBytes: WireBytes | null;
}

export function machineInfo(chromium: string): Machine {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    chromium,
  };
}

const resultLabel = (f: Figure) => (f.pass === null ? 'ERROR' : f.pass ? 'pass' : 'MISS');

/** Prints the table of figures. */
export function printTable(report: Report): void {
  const rows = [['figure', 'value', 'target', 'result'], ...report.figures.map((f) => [f.title, f.value, f.target, resultLabel(f)])];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ');
  console.log(`\n${line(rows[0]!)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of rows.slice(1)) console.log(line(r));
  for (const f of report.figures) if (f.error) console.log(`\n${f.title}: ${f.error}`);
  if (report.joinStages.length > 0) {
    const stageRows = [['stage (median ms)', ...report.joinStages.map((j) => `${j.page} (${j.runs} runs)`)],
      ...(Object.keys(JOIN_STAGES) as JoinStage[]).map((s) => [JOIN_STAGES[s], ...report.joinStages.map((j) => String(j.medians[s] ?? '—'))])];
    const w = stageRows[0]!.map((_, c) => Math.max(...stageRows.map((r) => r[c]!.length)));
    console.log('');
    for (const r of stageRows) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(w[c]!) : cell.padStart(w[c]!))).join('  '));
  }
  const busy = busyWarning(report);
  if (busy) console.log(`\n${busy}`);
  const m = report.machine;
  console.log(`\n${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, Chromium ${m.chromium} — ${report.durationSeconds} s, load ${load(report)}, server event loop delay p99 ${report.eventLoopDelayMs.p99} ms`);
}

/**
 * Writes `bench/results/latest.json` and rewrites `BENCHMARKS.md`; a partial run
 * writes only `bench/results/partial.json`: those two describe whole runs.
 */
export function writeReport(root: string, report: Report): void {
  const dir = join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (report.only) {
    writeFileSync(join(dir, 'partial.json'), json);
    return;
  }
  writeFileSync(join(dir, 'latest.json'), json);
  writeFileSync(join(root, 'BENCHMARKS.md'), markdown(report));
}

/**
 * A warning when other work kept the machine busy: a 1-minute load average of the
 * cores or more before the run (the build just before adds about one), or of the
 * cores plus one after it (the run itself adds about one).
 */
function busyWarning(r: Report): string {
  const [start, end] = [r.loadAverage.start[0] ?? 0, r.loadAverage.end[0] ?? 0];
  return start >= r.machine.cores || end >= r.machine.cores + 1
    ? `Warning: other work kept the machine busy (load average ${start.toFixed(1)} → ${end.toFixed(1)} on ${r.machine.cores} cores): times are skewed upward.`
    : '';
}

const load = (r: Report) => `${r.loadAverage.start[0]!.toFixed(2)} → ${r.loadAverage.end[0]!.toFixed(2)}`;
const ratio = (c: ByteCounts) => (c.wire > 0 ? `${(c.raw / c.wire).toFixed(1)}×` : '—');

function viewerScriptLine(stages: JoinStages[]): string {
  const scripts = stages.find((j) => j.viewerScripts.length > 0)?.viewerScripts;
  if (!scripts) return '';
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const each = scripts.map((s) => `\`${s.file}\` as ${kb(s.encodedBytes)} (${s.encodedBytes < s.decodedBytes ? `compressed from ${kb(s.decodedBytes)}` : 'uncompressed'})`);
  return `\nThe viewer's scripts came over HTTP: ${each.join(', ')}.\n`;
}

function markdown(r: Report): string {
  const m = r.machine;
  const figures = r.figures.map((f) => `| ${f.title} | ${f.value} | ${f.target} | ${resultLabel(f)} |`).join('\n');
  const errors = r.figures.filter((f) => f.error).map((f) => `- ${f.title}: ${f.error}`).join('\n');
  const stageRows = (Object.keys(JOIN_STAGES) as JoinStage[])
    .map((s) => `| ${JOIN_STAGES[s]} | ${r.joinStages.map((j) => j.medians[s] ?? '—').join(' | ')} |`).join('\n');
  const w = r.wireBytes;
  const bytes = w ? [
    ['100k-node snapshot', w.snapshot], [`${w.mutationCount} mutations`, w.mutations], ['total', w.total],
  ].map(([label, c]) => {
    const counts = c as ByteCounts;
    return `| ${label as string} | ${counts.raw.toLocaleString('en')} | ${counts.wire.toLocaleString('en')} | ${ratio(counts)} | ${counts.transport.toLocaleString('en')} |`;
  }).join('\n') : '';
  return `# Benchmarks

\`npm run bench\` builds everything, then measures cwmn end to end in headless Chromium on
loopback: the real server, a host page served from another origin (\`test/e2e/fixtures/bench-page.html\`,
built to a given number of DOM nodes before the session starts), and guests opening invite links in
their own browser contexts of the same browser, connected over real WebRTC. Times are compared across
pages on \`performance.timeOrigin + performance.now()\`, the clock every page of the machine shares.
Node counts are elements + text nodes of the whole host document. It prints the table below, writes
\`bench/results/latest.json\` and rewrites this file (\`BENCH_ONLY=join npm run bench\` measures only some
figures and writes \`bench/results/partial.json\` instead). A missed target is reported, not hidden; the run
still exits 0 (it exits 1 only when a figure could not be measured at all).

- **Host DOM change → guest DOM** — the host sets its \`#probe\` element's text 200 times, 30 ms apart
  (after 10 unmeasured warm-up changes), noting the time of each change; in the guest a
  \`MutationObserver\` on the mirror iframe's document notes when each text appears. p50 / p95 of the
  differences, on a 2k-node and a 100k-node page.
- **Guest pointer → host \`roomdata update\`** — 100 \`guest.mouse.move\` over the mirror to distinct
  positions, 40 ms apart; the viewer page notes each \`pointermove\` on \`#cwmn-surface\`, the host page each
  \`roomdata update\`; a move is paired with the first update listing the guest at that position.
- **Host mouse → guest cursor** — 100 host mouse moves to distinct positions, 50 ms apart; the host notes
  each \`mousemove\`, the viewer each change of the host pointer's \`transform\` in \`#cwmn-layer\`; paired by position.
- **Link opened → first frame** — a fresh browser context (cold cache) opens a new invite link; from its
  navigation start (\`performance.now() = 0\`) to the first \`requestAnimationFrame\` after
  \`<body data-state="live">\` (observed by an init script). Median of 5 joins (2k) and 3 joins (100k),
  one guest at a time: each leaves and is dropped by the host before the next opens its link (the
  bench's server keeps a departed guest 1 s, \`CWMN_GUEST_GRACE_SECONDS=1\`, instead of 10). One
  unmeasured warm-up join comes first: the first join after the browser starts pays one-time costs
  (its first page loads and peer connection) that a guest's long-running browser has already paid;
  it is kept in \`latest.json\`. The stages of each join are timed too (table below).
- **Bytes on the wire** — a guest joins the 100k-node page, then the host makes 1,000 small DOM changes,
  each in its own task. Wire: the \`dom\` data channel's \`bytesReceived\` (\`RTCPeerConnection.getStats()\`,
  peer connections kept by an init script); raw: characters returned by \`TextDecoder.prototype.decode\`
  (wrapped by an init script), i.e. the JSON the viewer parsed.
- **Host navigation → guest** — the host walks through the demo pages (\`/demo/*.html\`, served by the
  server) 12 times; from the moment the host starts loading the next page to the first frame in which
  the guest's viewer, live again, shows the new page's title (noticed by a \`requestAnimationFrame\` loop).
- **Dropped peer link → live again** — the guest's peer connection is closed from the viewer page 5 times;
  from then until the viewer is live again (the host re-offers and sends a fresh snapshot).
- **Masking cost** — in the 2k-node page, rrweb's full snapshot timed 20 times with the project's masking
  options (every input value through the masking function, mask and block selectors) and 20 times with
  plain rrweb options.
- **Replay render** — a 60 s recording with typing, scrolling, DOM changes and idle stretches (rrweb in
  Chromium, fake microphone) uploaded to a fresh server and rendered by its worker process: render wall
  time ÷ recording length (rrweb's own rrvideo plays in real time, ≥ 1.0), and frames per second.
- **Bundle sizes** — \`dist/embed/clickwithmenow-api.js\`, and the viewer's two scripts \`dist/viewer/viewer.js\`
  (joins) + \`dist/viewer/mirror.js\` (the replayer, loaded meanwhile) summed, gzip level 9, against the budgets
  of \`esbuild.mjs\`.

## Latest run

${r.date} on ${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB), Node ${m.node}, Chromium ${m.chromium};
the whole run took ${r.durationSeconds} s; 1-minute load average ${load(r)} (start → end).
Other work on the machine (two cores) shows up as latency. The server runs in the bench's own Node
process (next to Playwright's driver); its event-loop delay was p50 ${r.eventLoopDelayMs.p50} ms,
p99 ${r.eventLoopDelayMs.p99} ms, max ${r.eventLoopDelayMs.max} ms.${busyWarning(r) ? `\n\n**${busyWarning(r)}**` : ''}

| figure | value | target | result |
|---|---|---|---|
${figures}
${errors ? `\nNot measured:\n\n${errors}\n` : ''}${r.joinStages.length === 0 ? '' : `
## Where a join's time goes

Median time of each stage, in ms since the guest opened the link (host-side stages timed in the host
page on the same clock).

| stage | ${r.joinStages.map((j) => `${j.page} (${j.runs} runs)`).join(' | ')} |
|---|${r.joinStages.map(() => '---:').join('|')}|
${stageRows}
${viewerScriptLine(r.joinStages)}`}${w ? `
## Bytes on the wire

| what | raw JSON (chars) | \`dom\` channel (bytes) | ratio | transport (bytes, all channels, with headers) |
|---|---:|---:|---:|---:|
${bytes}

Messages of at least 1 KiB are deflated; small ones (most single mutations) go as plain JSON.
` : ''}`;
}
