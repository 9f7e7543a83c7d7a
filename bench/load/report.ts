// The load tool's outputs: a table on stdout, bench/results/load.json, and the
// "Load" section of BENCHMARKS.md (between its markers; the rest of the file,
// written by `npm run bench`, is left as it is, and keeps this section).

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { LoadFigure } from './scenario.js';

export interface LoadReport {
  date: string;
  durationSeconds: number;
  only: string[] | null;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; fdLimit: number };
  /** 1, 5 and 15-minute load averages at the start and the end: other work on the machine skews times. */
  loadAverage: { start: number[]; end: number[] };
  /** What each scenario run measures, in words. */
  descriptions: Array<{ id: string; description: string }>;
  figures: LoadFigure[];
}

/** Markers of the load section in BENCHMARKS.md. */
export const LOAD_SECTION_START = '<!-- load:start (npm run load) -->';
export const LOAD_SECTION_END = '<!-- load:end -->';

export function machine(fdLimit: number): LoadReport['machine'] {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown', cores: cpu.length, memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version, fdLimit,
  };
}

const label = (f: LoadFigure) => (f.pass === null ? 'ERROR' : f.pass ? 'pass' : 'MISS');

export function printLoadTable(r: LoadReport): void {
  const rows = [['figure', 'value', 'target', 'result'], ...r.figures.map((f) => [f.title, f.value, f.target, label(f)])];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]) => row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ');
  console.log(`\n${line(rows[0]!)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of rows.slice(1)) console.log(line(row));
  for (const f of r.figures) if (f.error) console.log(`\n${f.title}: ${f.error}`);
  const m = r.machine;
  console.log(`\n${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.fdLimit} open files per process — ${r.durationSeconds} s, load ${loadText(r)}`);
}

const loadText = (r: LoadReport) => `${r.loadAverage.start[0]!.toFixed(2)} → ${r.loadAverage.end[0]!.toFixed(2)}`;

/** The section as it goes into BENCHMARKS.md, markers included. */
export function loadSection(r: LoadReport): string {
  const m = r.machine;
  return `${LOAD_SECTION_START}
## Load

\`npm run load\` (about 5–7 minutes) runs the server (\`dist/server/main.js\`) as processes of their own on
loopback — one on the file store, and one or two sharing a Redis the tool starts — and loads them from other
processes (from many addresses of 127.0.0.0/8, as many clients would: the server limits socket opens and session
creations per address). \`LOAD_SOCKETS\`, \`LOAD_HOLD_SECONDS\` and \`LOAD_JOINS_IN_FLIGHT\` change the counts,
\`LOAD_ONLY\` picks scenarios; it prints the table below, writes \`bench/results/load.json\` and rewrites this section
(a partial run writes \`bench/results/load-partial.json\` only).

${r.descriptions.map((d) => `- ${d.description}`).join('\n')}

${r.date} on ${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB), Node ${m.node}, ${m.fdLimit.toLocaleString('en')} open files per
process; the run took ${r.durationSeconds} s; 1-minute load average ${loadText(r)} (start → end). The load's
clients run on the same two cores as the servers and Redis, and so does the machine's other work.

| figure | value | target | result |
|---|---|---|---|
${r.figures.map((f) => `| ${f.title} | ${f.value} | ${f.target} | ${label(f)} |`).join('\n')}
${r.figures.some((f) => f.error) ? `\n${r.figures.filter((f) => f.error).map((f) => `- ${f.title}: ${f.error}`).join('\n')}\n` : ''}${LOAD_SECTION_END}
`;
}

/** The load section of `markdown`, or '' when it has none. */
export function extractLoadSection(markdown: string): string {
  const start = markdown.indexOf(LOAD_SECTION_START);
  const end = markdown.indexOf(LOAD_SECTION_END);
  if (start < 0 || end < start) return '';
  return `${markdown.slice(start, end + LOAD_SECTION_END.length)}\n`;
}

/** `markdown` with its load section replaced by `section` (appended when it had none). */
export function withLoadSection(markdown: string, section: string): string {
  const old = extractLoadSection(markdown);
  if (old) return markdown.replace(old, section);
  return `${markdown.replace(/\n*$/, '\n\n')}${section}`;
}

export function writeLoadReport(root: string, r: LoadReport): void {
  const dir = join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify(r, null, 2)}\n`;
  if (r.only) {
    writeFileSync(join(dir, 'load-partial.json'), json);
    return;
  }
  writeFileSync(join(dir, 'load.json'), json);
  const file = join(root, 'BENCHMARKS.md');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  writeFileSync(file, withLoadSection(current, loadSection(r)));
}
