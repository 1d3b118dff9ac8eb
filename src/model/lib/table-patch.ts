// A table as an edit of an earlier one: rows [from, to) of the earlier table replaced by new rows, at a
// few places. A step that remaps 16 GiB of a 1 TiB guest changes some thousands of its half a million
// page-table runs and host-pin runs; the worker sends those and the page splices them into the tables
// it has, instead of the worker copying and the page receiving the whole tables again. No kernel analogue.

import { firstEndingAfter, firstStartingAfter } from './search';
import type { Table } from './table';

export interface TablePatch<K extends string> {
  /** Rows of the table the patch applies to (a check that it is the one the worker patched). */
  baseLength: number;
  /** Flat [from, to) pairs of base rows replaced, ascending. */
  cuts: Float64Array;
  /** Where the rows for cut k start in `rows` (one more entry than cuts: the last is rows.length). */
  at: Float64Array;
  rows: Table<K>;
}

/**
 * The rows of sorted runs that touch each of `ranges` (sorted by lo, `stride` numbers per range, lo and hi
 * first): rows ending at or after lo and starting at or before hi, merged into [from, to) cuts, with
 * the index of the first range of each cut (and one past the last). A run that changes can only merge
 * with a run it touches, so the rows outside the cuts stay as they are.
 */
export function touchingCuts(
  start: ArrayLike<number>,
  pages: ArrayLike<number>,
  n: number,
  ranges: readonly number[],
  stride: number,
): { cuts: number[]; first: number[] } {
  const cuts: number[] = [];
  const first: number[] = [];
  let a = 0;
  let b = 0;
  for (let k = 0; k < ranges.length; k += stride) {
    a = firstEndingAfter(start, pages, n, ranges[k]! - 1, a);
    b = firstStartingAfter(start, n, ranges[k + 1]!, b);
    const c = cuts.length;
    if (c > 0 && a <= cuts[c - 1]!) cuts[c - 1] = Math.max(cuts[c - 1]!, b);
    else {
      cuts.push(a, b);
      first.push(k / stride);
    }
  }
  first.push(ranges.length / stride);
  return { cuts, first };
}

/**
 * Copies src[i, j) to dst at o and returns where the copy ends: short pieces (thousands of them when a
 * step's changes scatter over the host frames) in a loop, which beats making a subarray for each.
 */
function copyRows(dst: Float64Array, o: number, src: Float64Array, i: number, j: number): number {
  if (j - i < 64) {
    for (let k = i; k < j; k++) dst[o++] = src[k]!;
    return o;
  }
  dst.set(src.subarray(i, j), o);
  return o + j - i;
}

/** a[src, end) moved to dst (overlapping): short blocks in a loop that runs away from the overlap. */
function moveRows(a: Float64Array, dst: number, src: number, end: number): void {
  if (dst === src || end <= src) return;
  if (end - src >= 64) a.copyWithin(dst, src, end);
  else if (dst < src) for (let i = src, o = dst; i < end; i++, o++) a[o] = a[i]!;
  else for (let i = end - 1, o = dst + end - 1 - src; i >= src; i--, o--) a[o] = a[i]!;
}

/** Rows of the table `patch` makes of `base`, which must be the table it was made for. */
function patchedLength<K extends string>(base: Table<K>, patch: TablePatch<K>): number {
  if (base.length !== patch.baseLength)
    throw new Error(`a table patch for ${patch.baseLength} rows cannot apply to ${base.length}`);
  let removed = 0;
  for (let c = 0; c < patch.cuts.length; c += 2) removed += patch.cuts[c + 1]! - patch.cuts[c]!;
  return base.length - removed + patch.rows.length;
}

/** The patched table in new buffers of `room` rows. */
function copyPatched<K extends string>(base: Table<K>, patch: TablePatch<K>, length: number, room: number): Table<K> {
  const { cuts, at, rows } = patch;
  const out = { length, cols: {} as Record<K, Float64Array> };
  for (const key of Object.keys(base.cols) as K[]) {
    const src = base.cols[key];
    const add = rows.cols[key];
    const dst = new Float64Array(room);
    let from = 0;
    let o = 0;
    for (let c = 0; c < cuts.length; c += 2) {
      o = copyRows(dst, o, src, from, cuts[c]!);
      o = copyRows(dst, o, add, at[c / 2]!, at[c / 2 + 1]!);
      from = cuts[c + 1]!;
    }
    copyRows(dst, o, src, from, base.length);
    out.cols[key] = room === length ? dst : dst.subarray(0, length);
  }
  return out;
}

/** The table `patch` was made from `base` to be. */
export function applyPatch<K extends string>(base: Table<K>, patch: TablePatch<K>): Table<K> {
  const length = patchedLength(base, patch);
  return copyPatched(base, patch, length, length);
}

/** Rows a column's buffer holds (the table's arrays are views from its start). */
const room = (a: Float64Array) => (a.byteOffset === 0 ? a.buffer.byteLength / 8 : 0);

/**
 * applyPatch into base's own buffers when they have room: moves the rows between cuts (memmove) and
 * writes the new ones, without allocating; else into new buffers with an eighth more room than needed,
 * so the next steps fit. Base's arrays are invalid afterwards (their rows moved under them): for a holder
 * of one state at a time (the worker's state shown, the page's last reply), where copying half a million
 * rows per step was the cost of a step.
 */
export function applyPatchInPlace<K extends string>(base: Table<K>, patch: TablePatch<K>): Table<K> {
  const length = patchedLength(base, patch);
  const { cuts, at, rows } = patch;
  const keys = Object.keys(base.cols) as K[];
  if (keys.some((k) => room(base.cols[k]) < length))
    return copyPatched(base, patch, length, length + (length >> 3) + 16);
  // Kept blocks: base rows [s, e) go to d. Blocks moving right are moved right to left within each run of
  // them (each would overwrite the next one's rows), the others left to right; new rows go in last.
  const nBlocks = cuts.length / 2 + 1;
  const src = new Float64Array(nBlocks);
  const end = new Float64Array(nBlocks);
  const dst = new Float64Array(nBlocks);
  let from = 0;
  let o = 0;
  for (let c = 0; c <= cuts.length; c += 2) {
    const to = c < cuts.length ? cuts[c]! : base.length;
    src[c / 2] = from;
    end[c / 2] = to;
    dst[c / 2] = o;
    o += to - from;
    if (c < cuts.length) {
      o += at[c / 2 + 1]! - at[c / 2]!;
      from = cuts[c + 1]!;
    }
  }
  const out = { length, cols: {} as Record<K, Float64Array> };
  for (const k of keys) {
    const a = new Float64Array(base.cols[k].buffer, 0, room(base.cols[k]));
    const move = (b: number) => moveRows(a, dst[b]!, src[b]!, end[b]!);
    for (let b = 0; b < nBlocks;) {
      if (dst[b]! <= src[b]!) {
        move(b++);
        continue;
      }
      let r = b;
      while (r < nBlocks && dst[r]! > src[r]!) r++;
      for (let x = r - 1; x >= b; x--) move(x);
      b = r;
    }
    const add = rows.cols[k];
    for (let c = 0; c < cuts.length; c += 2) {
      const b = c / 2;
      copyRows(a, dst[b]! + end[b]! - src[b]!, add, at[b]!, at[b + 1]!);
    }
    out.cols[k] = a.subarray(0, length);
  }
  return out;
}
