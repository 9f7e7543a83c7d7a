// The benchmark's outputs: a table on stdout, bench/results/latest.json and BENCHMARKS.md
// (a partial run, `BENCH_ONLY`, writes bench/results/partial.json instead).

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { FANOUT_LIVE_TIMEOUT_MS, type FanOutPoint, type FanOutSeries } from './fan-out.js';
import { JOIN_STAGES, type JoinStage, type ScriptTransfer } from './join-time.js';
import { extractLoadSection, withLoadSection } from './load/report.js';
import { SERVER_QUIET_MS } from './relay-load.js';
import { describeRates, TYPICAL_RATES, TYPICAL_SECONDS } from './typical-session.js';
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
  fanOut: FanOutReport | null;
}

/** What one batch costs the host at each guest count, everyone direct and everyone relayed. */
export interface FanOutReport {
  series: FanOutSeries;
  direct: FanOutPoint[];
  relay: FanOutPoint[];
  /** Joins that did not go live in time and were made again, with what the guest had reached. */
  retriedJoins: { direct: string[]; relay: string[] };
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
      ...measuredStages(report.joinStages).map((s) => [JOIN_STAGES[s], ...report.joinStages.map((j) => String(j.medians[s] ?? '—'))])];
    const w = stageRows[0]!.map((_, c) => Math.max(...stageRows.map((r) => r[c]!.length)));
    console.log('');
    for (const r of stageRows) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(w[c]!) : cell.padStart(w[c]!))).join('  '));
  }
  if (report.fanOut) {
    const rows = fanOutRows(report.fanOut);
    const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    console.log(`\nFan-out, per batch (${report.fanOut.series.batches} batches):`);
    for (const r of rows) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(w[c]!) : cell.padStart(w[c]!))).join('  '));
    console.log(fanOutThreshold(report.fanOut));
  }
  const busy = busyWarning(report);
  if (busy) console.log(`\n${busy}`);
  const m = report.machine;
  console.log(`\n${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, Chromium ${m.chromium} — ${report.durationSeconds} s, load ${load(report)}, server event loop delay p99 ${report.eventLoopDelayMs.p99} ms`);
}

/**
 * Writes `bench/results/latest.json` and rewrites `BENCHMARKS.md` (keeping its Load
 * section, which `npm run load` writes); a partial run writes only
 * `bench/results/partial.json`: those two describe whole runs.
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
  const file = join(root, 'BENCHMARKS.md');
  const load = existsSync(file) ? extractLoadSection(readFileSync(file, 'utf8')) : '';
  writeFileSync(file, load ? withLoadSection(markdown(report), load) : markdown(report));
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

/** What a fan-out point costs the host, as compared. */
const FAN_OUT_COSTS = [
  { name: 'upload', unit: 'B', digits: 0, of: (p: FanOutPoint) => p.uploadPerBatch },
  { name: "CPU of the host's browser (all its processes)", unit: 'ms', digits: 2, of: (p: FanOutPoint) => p.processCpuMsPerBatch },
  { name: "CPU of the host page's main thread", unit: 'ms', digits: 2, of: (p: FanOutPoint) => p.mainThreadMsPerBatch },
] as const;

type FanOutCost = { name: string; unit: string; digits: number; of: (p: FanOutPoint) => number };

/** Shown beside the costs: how long the guests took to show the series (from its start to the last batch in every mirror). */
const FAN_OUT_DELIVERY: FanOutCost = { name: 'last batch in every mirror after', unit: 's', digits: 1, of: (p) => p.wallMs / 1000 };

const fanOutCounts = (f: FanOutReport) => [...new Set([...f.direct, ...f.relay].map((p) => p.guests))].sort((a, b) => a - b);

/** Table rows (header first): per guest count, each cost per batch, direct and relayed. */
function fanOutRows(f: FanOutReport): string[][] {
  const cell = (points: FanOutPoint[], guests: number, cost: FanOutCost) => {
    const p = points.find((x) => x.guests === guests);
    const v = p ? cost.of(p) : Number.NaN;
    return Number.isFinite(v) ? v.toLocaleString('en', { minimumFractionDigits: cost.digits, maximumFractionDigits: cost.digits }) : '—';
  };
  const columns = [...FAN_OUT_COSTS, FAN_OUT_DELIVERY];
  const header = ['guests', ...columns.flatMap((c) => [`${c.name}, direct (${c.unit})`, `relayed (${c.unit})`])];
  return [header, ...fanOutCounts(f).map((g) => [String(g), ...columns.flatMap((c) => [cell(f.direct, g, c), cell(f.relay, g, c)])])];
}

/**
 * Where everyone direct starts to cost the host more than everyone relayed:
 * the first guest count measured from which on direct costs more at every
 * count measured, and the count where the two lines between it and the count
 * before it cross. Null when direct never costs more.
 */
function crossover(f: FanOutReport, cost: FanOutCost): { measured: number; estimate: number } | null {
  const pairs = fanOutCounts(f).map((g) => {
    const d = f.direct.find((p) => p.guests === g);
    const r = f.relay.find((p) => p.guests === g);
    return d && r ? { g, d: cost.of(d), r: cost.of(r) } : null;
  }).filter((x): x is { g: number; d: number; r: number } => x !== null && Number.isFinite(x.d) && Number.isFinite(x.r));
  let first = -1;
  for (let i = pairs.length - 1; i >= 0 && pairs[i]!.d > pairs[i]!.r; i--) first = i;
  if (first < 0) return null;
  const at = pairs[first]!;
  const before = pairs[first - 1];
  if (!before) return { measured: at.g, estimate: at.g };
  // Straight lines between the two counts: direct − relayed goes from ≤ 0 to > 0.
  const gap0 = before.d - before.r;
  const gap1 = at.d - at.r;
  const crossing = before.g + ((at.g - before.g) * -gap0) / (gap1 - gap0);
  return { measured: at.g, estimate: Math.min(at.g, Math.floor(crossing) + 1) };
}

/** In words: from how many guests everyone direct costs the host more than everyone relayed, by each cost. */
export function fanOutThreshold(f: FanOutReport): string {
  const most = Math.max(0, ...fanOutCounts(f));
  const parts = FAN_OUT_COSTS.map((c) => {
    const x = crossover(f, c);
    if (!x) return `${c.name}: not within ${most} guests`;
    return x.estimate < x.measured
      ? `${c.name}: from about ${x.estimate} guests (between the counts measured; ${x.measured} and more measured)`
      : `${c.name}: from ${x.measured} guests`;
  });
  return `With everyone direct the host spends more than with everyone relayed — ${parts.join('; ')}.`;
}

/** The join stages that some join reached (relayed joins have stages of their own, direct ones others). */
const measuredStages = (stages: JoinStages[]) => (Object.keys(JOIN_STAGES) as JoinStage[]).filter((s) => stages.some((j) => j.medians[s] !== undefined));

const load = (r: Report) => `${r.loadAverage.start[0]!.toFixed(2)} → ${r.loadAverage.end[0]!.toFixed(2)}`;
const ratio = (c: ByteCounts) => (c.wire > 0 ? `${(c.raw / c.wire).toFixed(1)}×` : '—');

function viewerScriptLine(stages: JoinStages[]): string {
  const scripts = stages.find((j) => j.viewerScripts.length > 0)?.viewerScripts;
  if (!scripts) return '';
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const each = scripts.map((s) => `\`${s.file}\` as ${kb(s.encodedBytes)} (${s.encodedBytes < s.decodedBytes ? `compressed from ${kb(s.decodedBytes)}` : 'uncompressed'})`);
  return `\nThe viewer's scripts came over HTTP: ${each.join(', ')}.\n`;
}

function retriedText(f: FanOutReport): string {
  const { direct, relay } = f.retriedJoins;
  if (direct.length + relay.length === 0) return '';
  const first = [...direct, ...relay][0]!;
  return `
While guests were added, ${direct.length} direct and ${relay.length} relayed join(s) did not go live within ${FANOUT_LIVE_TIMEOUT_MS / 1000} s (or not
connected as they were to be) and were made again with a new link. The first: ${first.replaceAll('|', '/')}
`;
}

function fanOutMarkdown(f: FanOutReport): string {
  const [header, ...rows] = fanOutRows(f);
  return `
## Relay fan-out: what one batch costs the host

Per batch, over ${f.series.batches} batches (each setting the text of ${f.series.rowsPerBatch} rows, ${f.series.spacingMs} ms apart),
everyone direct against everyone relayed. Upload: bytes handed to \`send()\` (payloads; SCTP/DTLS or TCP/WebSocket
headers not seen). CPU: every process of the host's browser, and the host page's main thread alone; both include the
DOM changes themselves (the same for both transports). Last: from the series' start until every guest's mirror showed
its last batch (the series itself takes ${(f.series.batches * f.series.spacingMs / 1000).toFixed(1)} s; all guests are pages of one browser).

| ${header!.join(' | ')} |
|${header!.map(() => '---:').join('|')}|
${rows.map((row) => `| ${row.join(' | ')} |`).join('\n')}

${fanOutThreshold(f)}

Direct, the host sends each batch once per guest; relayed, once for all of them (the server fans it out), at the price
of a seal (AES-GCM) and 30 more bytes per frame (routing byte, group header, tag). A session should move everyone to
the relay from the guest count at which the host's limiting resource crosses above: its uplink crosses first.
${retriedText(f)}`;
}

function markdown(r: Report): string {
  const m = r.machine;
  const figures = r.figures.map((f) => `| ${f.title} | ${f.value} | ${f.target} | ${resultLabel(f)} |`).join('\n');
  const errors = r.figures.filter((f) => f.error).map((f) => `- ${f.title}: ${f.error}`).join('\n');
  const stageRows = measuredStages(r.joinStages)
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
  from then until the viewer is live again (the host re-offers, or moves the guest to the relay, and sends a fresh
  snapshot). A guest the host moved to the relay has no peer connection left to close: the next drop is on a new guest.
- **Masking cost** — in the 2k-node page, rrweb's full snapshot timed 20 times with the project's masking
  options (every input value through the masking function, mask and block selectors) and 20 times with
  plain rrweb options.
- **Replay render** — a 60 s recording with typing, scrolling, DOM changes and idle stretches (rrweb in
  Chromium, fake microphone) uploaded to a fresh server and rendered by its worker process: render wall
  time ÷ recording length (rrweb's own rrvideo plays in real time, ≥ 1.0), and frames per second.
- **Through the relay** — a second server in the same run, started with \`CWMN_RELAY=always\` (every guest's page
  data and pointers through its \`/relay\` socket, sealed end to end), with its own host session on the 2k-node page.
  The DOM-change and guest-pointer figures are measured on it exactly as above, right after the direct ones, whose
  figures they are compared with. Joins: the 5 direct and 5 relayed joins (each after one warm-up) alternate, direct,
  relayed, direct…, so that other work on the machine weighs on both alike; the relayed median's target is 1.2 × the
  direct one. This relay server runs in the bench's own Node process, like the default one: every relayed frame waits
  on its event loop, whose delay while a relayed figure was measured is shown beside it.
- **Bytes through the server** — on that relay server, a fresh guest joins the 2k-node page, then a typical session
  runs for ${TYPICAL_SECONDS} s: ${describeRates(TYPICAL_RATES)}. The server's relay counters
  (\`RunningServer.relayCounters\`: bytes received from and written to relay sockets, payloads without WebSocket
  headers) are read before the join, after it and after the activity; the activity is scaled to a minute.
- **Relay fan-out** — the host runs in a browser of its own, with an init script counting every byte its page hands to
  \`RTCDataChannel.prototype.send\` and \`WebSocket.prototype.send\`. Guests are added (5 opening their links at once)
  up to 1, 2, 5 and 20; at each count the host makes a fixed series of batches of DOM changes (below), and we divide
  what it sent over the series by the number of batches, with everyone direct (the run's server) and then everyone
  relayed (a relay server of its own). Host CPU per batch two ways: every thread of every process of the host's
  browser (run time from \`/proc/<pid>/task/<tid>/schedstat\`), which counts WebRTC's SCTP and DTLS work off the main
  thread and the network process too, and the host page's main thread alone (CDP \`Performance.getMetrics\`
  \`ThreadTime\`, its CPU time; \`TaskDuration\`, the wall time of its tasks, which other work on the machine inflates,
  is kept in \`latest.json\`). Both include the DOM changes themselves (style, layout, paint, rrweb), the same whatever
  the transport; CPU per second of a quiet stretch before each series is kept in \`latest.json\` too. Target: 20
  relayed guests cost the host's upload at most 1.1 × one.
- **Server CPU per relayed guest** — the relay server of the fan-out runs as a process of its own
  (\`dist/server/main.js\`); with 1 and then 5 relayed guests, \`utime + stime\` of \`/proc/<pid>/stat\` over
  ${TYPICAL_SECONDS} s of the same typical activity (every guest's pointer moving), less the server's quiet CPU
  (${SERVER_QUIET_MS / 1000} s with the host's session open and no guest), scaled to a minute and divided by the guests.
  The joins before each window are read apart (a join's CPU includes serving the viewer page and its scripts).
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
` : ''}${r.fanOut ? fanOutMarkdown(r.fanOut) : ''}`;
}
