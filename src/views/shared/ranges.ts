// Looking up what changed: a step's changes are sorted, non-overlapping ranges (model/inspect/diff.ts), so
// the one that overlaps an object is found by binary search, not by a scan per object drawn.

import type { Ranges } from '../../model/inspect/diff';
import { firstEndingAfter } from '../../model/lib/search';

/** The index of the first range that overlaps pages [lo, hi), or -1. */
export function firstOverlap(r: Ranges, lo: number, hi: number): number {
  const a = firstEndingAfter(r.cols.lo, r.cols.pages, r.length, lo);
  return a < r.length && r.cols.lo[a]! < hi ? a : -1;
}
