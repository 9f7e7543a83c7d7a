// Which figures a run measures: all of them, or those named by `BENCH_ONLY`
// (comma-separated figure ids, or prefixes of ids: `join` → join-2k, join-100k).

/**
 * The figure ids `spec` selects out of `ids`; null for a whole run (no spec,
 * or one naming every figure). A name matching no figure throws, listing the ids.
 */
export function selectFigures(spec: string | undefined, ids: readonly string[]): ReadonlySet<string> | null {
  const names = (spec ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) return null;
  const chosen = new Set<string>();
  for (const name of names) {
    const matches = ids.filter((id) => id === name || id.startsWith(`${name}-`));
    if (matches.length === 0) throw new Error(`BENCH_ONLY: no figure is called "${name}" (figures: ${ids.join(', ')})`);
    for (const id of matches) chosen.add(id);
  }
  return chosen.size === ids.length ? null : chosen;
}
