// Looking up what changed: a step's changes are sorted, non-overlapping ranges (model/inspect/diff.ts), so
// the one that overlaps an object is found by binary search, not by a scan per object drawn.

import type { Ranges } from '../../model/inspect/diff';

/** The first row ending after page p, in rows sorted by start that do not overlap (binary search). */
export function firstEndingAfter(
  start: (i: number) => number,
  pages: (i: number) => number,
  n: number,
  p: number,
): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (start(mid) + pages(mid) <= p) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The index of the first range that overlaps pages [lo, hi), or -1. */
export function firstOverlap(r: Ranges, lo: number, hi: number): number {
  const a = firstEndingAfter(
    (i) => r.cols.lo[i]!,
    (i) => r.cols.pages[i]!,
    r.length,
    lo,
  );
  return a < r.length && r.cols.lo[a]! < hi ? a : -1;
}
