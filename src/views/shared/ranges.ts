// Looking up what changed: a step's changes are sorted, non-overlapping ranges (model/inspect/diff.ts), so
// the one that overlaps an object is found by binary search, not by a scan per object drawn.

import type { Ranges } from '../../model/inspect/diff';

/** The index of the first range that overlaps pages [lo, hi), or -1. */
export function firstOverlap(r: Ranges, lo: number, hi: number): number {
  const start = r.cols.lo;
  const pages = r.cols.pages;
  // The first range that ends after lo.
  let a = 0;
  let b = r.length;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (start[m]! + pages[m]! <= lo) a = m + 1;
    else b = m;
  }
  return a < r.length && start[a]! < hi ? a : -1;
}
