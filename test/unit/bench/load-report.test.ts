import { describe, expect, it } from 'vitest';
import { extractLoadSection, LOAD_SECTION_END, LOAD_SECTION_START, withLoadSection } from '../../../bench/load/report.js';

const section = (text: string) => `${LOAD_SECTION_START}\n## Load\n\n${text}\n${LOAD_SECTION_END}\n`;

describe('the Load section of BENCHMARKS.md', () => {
  it('is appended to a file without one, and replaced in a file that has one, leaving the rest as it was', () => {
    const bench = '# Benchmarks\n\n| figure |\n|---|\n';
    const first = withLoadSection(bench, section('first run'));
    expect(first).toBe(`${bench}\n${section('first run')}`);
    const again = withLoadSection(`${first}`, section('second run'));
    expect(again).toBe(`${bench}\n${section('second run')}`);
    expect(again).not.toContain('first run');
  });

  it('is what a rewritten benchmark file takes over', () => {
    const old = withLoadSection('# Benchmarks\n\nold figures\n', section('kept'));
    const rewritten = withLoadSection('# Benchmarks\n\nnew figures\n', extractLoadSection(old));
    expect(rewritten).toContain('new figures');
    expect(rewritten).not.toContain('old figures');
    expect(extractLoadSection(rewritten)).toBe(section('kept'));
    expect(extractLoadSection('# Benchmarks\n')).toBe('');
  });
});
