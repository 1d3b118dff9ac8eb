// The first domain's page-table runs of a step as an edit of an earlier step's: the iova ranges its table
// journal reports written, widened to run and leaf boundaries, are read again, and the runs that touch
// them are replaced by what the reading gives (the runs on either side may now merge with it). A step
// that remaps 16 GiB of a 1 TiB guest reads eight thousand leaves instead of half a million. No kernel
// analogue.

import type { VtdPageTable } from '../iommu/vtd/table';
import { firstEndingAfter } from '../lib/search';
import { touchingCuts, type TablePatch } from '../lib/table-patch';
import { TableBuilder } from '../lib/table';
import { diffSegments, runSegments, type Ranges } from './diff';
import { RunWriter, type RunKey, type RunTable } from './runs';

/** [lo, hi) pairs in any order, merged into sorted ranges that neither overlap nor touch. */
export function mergeRanges(pairs: readonly number[]): number[] {
  const order = Array.from({ length: pairs.length >> 1 }, (_, k) => k).sort((a, b) => pairs[2 * a]! - pairs[2 * b]!);
  const out: number[] = [];
  for (const k of order) {
    const lo = pairs[2 * k]!;
    const hi = pairs[2 * k + 1]!;
    if (hi <= lo) continue;
    const n = out.length;
    if (n > 0 && lo <= out[n - 1]!) out[n - 1] = Math.max(out[n - 1]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

/**
 * Each range widened until both ends fall between runs of `prev` and between leaves of `table`, then merged:
 * inside such a range the runs can be read again, outside it they are the same in both.
 */
export function widen(ranges: number[], prev: RunTable, table: VtdPageTable): number[] {
  const { iova, pages } = prev.cols;
  const out: number[] = [];
  for (let k = 0; k < ranges.length; k += 2) {
    let lo = ranges[k]!;
    let hi = ranges[k + 1]!;
    for (;;) {
      let a = lo;
      let b = hi;
      const i = firstEndingAfter(iova, pages, prev.length, a);
      if (i < prev.length && iova[i]! < a) a = iova[i]!;
      a = Math.min(a, table.leafSpanAt(a)?.[0] ?? a);
      const j = firstEndingAfter(iova, pages, prev.length, b - 1);
      if (j < prev.length && iova[j]! < b) b = Math.max(b, iova[j]! + pages[j]!);
      b = Math.max(b, table.leafSpanAt(b - 1)?.[1] ?? b);
      if (a === lo && b === hi) break;
      lo = a;
      hi = b;
    }
    out.push(lo, hi);
  }
  return mergeRanges(out);
}

/**
 * The runs of `table` as an edit of `prev` (its runs when the journal started), and where they changed
 * (diffSegments of the runs replaced and those replacing them). The windows are the iova ranges read
 * again; outside them the two tables are the same.
 */
export function spliceRuns(
  prev: RunTable,
  table: VtdPageTable,
  touched: readonly number[],
): { windows: number[]; patch: TablePatch<RunKey> | null; changes: Ranges } {
  const windows = widen(mergeRanges(touched), prev, table);
  const changes = new TableBuilder(['lo', 'pages', 'kind'] as const);
  if (windows.length === 0) return { windows, patch: null, changes: changes.build() };
  const { iova, pfn, pages, level, bits } = prev.cols;
  const { cuts, first } = touchingCuts(iova, pages, prev.length, windows, 2);
  const w = new RunWriter(64);
  const at: number[] = [];
  for (let c = 0; c < cuts.length; c += 2) {
    at.push(w.length);
    const end = cuts[c + 1]!;
    let r = cuts[c]!;
    const push = () => w.push(iova[r]!, pfn[r]!, pages[r]!, level[r]!, bits[r]!);
    for (let k = first[c / 2]!; k < first[c / 2 + 1]!; k++) {
      const lo = windows[2 * k]!;
      const hi = windows[2 * k + 1]!;
      for (; r < end && iova[r]! < lo; r++) push();
      w.read(table, lo, hi);
      while (r < end && iova[r]! < hi) r++;
    }
    for (; r < end; r++) push();
  }
  at.push(w.length);
  const rows = w.build();
  for (let c = 0; c < cuts.length; c += 2) {
    // Runs of different cuts never touch (a run neither replaces lies between): their changes just follow on.
    const part = diffSegments(runSegments(prev, cuts[c]!, cuts[c + 1]!), runSegments(rows, at[c / 2]!, at[c / 2 + 1]!));
    for (let i = 0; i < part.length; i++) changes.push(part.cols.lo[i]!, part.cols.pages[i]!, part.cols.kind[i]!);
  }
  return {
    windows,
    patch: { baseLength: prev.length, cuts: Float64Array.from(cuts), at: Float64Array.from(at), rows },
    changes: changes.build(),
  };
}
