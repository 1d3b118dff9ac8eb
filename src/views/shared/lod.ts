// Level of detail for sorted runs of pages: the runs themselves, then coarser levels where the runs that
// fall in one aligned bucket are merged into one group with a count. A frame draws the level whose
// buckets are narrower than a pixel, so it visits about as many groups as there are pixels, however
// many runs there are (a 1 TiB guest has half a million). A level is built the first time a frame needs
// it (one pass over a finer level) and kept for the step.

import { firstAbove } from '../../model/lib/search';

export interface Runs {
  length: number;
  /** First page of each run, ascending. */
  start: Float64Array;
  /** At least one page each (a coarser level is sized by the buckets the runs reach). */
  pages: Float64Array;
}

export interface Level {
  /** Bucket size in pages (0 for the runs themselves). */
  bucket: number;
  length: number;
  start: Float64Array;
  /** Where each group ends; null on the runs themselves, whose ends are start + pages. */
  end: Float64Array | null;
  pages: Float64Array | null;
  /** The first run of each group, and how many runs it merges (null on the runs themselves: i and 1). */
  first: Uint32Array | null;
  count: Uint32Array | null;
}

/** The runs and the coarser levels built so far: a level is built the first time a frame asks for it. */
export interface Pyramid {
  levels: Level[];
}

/** Where group i of l ends. */
const endOf = (l: Level, i: number) => (l.end ? l.end[i]! : l.start[i]! + l.pages![i]!);

function raw(r: Runs): Level {
  return {
    bucket: 0,
    length: r.length,
    start: r.start.subarray(0, r.length),
    end: null,
    pages: r.pages,
    first: null,
    count: null,
  };
}

/** Merges the groups of `l` that meet in one bucket of `bucket` pages (a power of 4: 1 / bucket is exact). */
function coarser(l: Level, bucket: number): Level {
  const len = l.length;
  const inv = 1 / bucket;
  const ls = l.start;
  const le = l.end;
  const lp = l.pages;
  const lc = l.count;
  const lf = l.first;
  // At most one group per bucket the groups reach: far fewer than runs once a bucket holds many of them.
  let reach = 0;
  for (let i = 0; i < len; i++) reach = Math.max(reach, le ? le[i]! : ls[i]! + lp![i]!);
  const most = len === 0 ? 0 : Math.min(len, Math.floor((reach - 1) * inv) - Math.floor(ls[0]! * inv) + 1);
  const start = new Float64Array(most);
  const end = new Float64Array(most);
  const first = new Uint32Array(most);
  const count = new Uint32Array(most);
  let n = -1;
  let curEnd = 0;
  let lastBucket = -1;
  for (let i = 0; i < len; i++) {
    const s = ls[i]!;
    const e = le ? le[i]! : s + lp![i]!;
    if (n >= 0 && Math.floor(s * inv) <= lastBucket) {
      if (e > curEnd) {
        curEnd = e;
        end[n] = curEnd;
        lastBucket = Math.floor((curEnd - 1) * inv);
      }
      count[n]! += lc ? lc[i]! : 1;
      continue;
    }
    n++;
    start[n] = s;
    curEnd = e;
    end[n] = curEnd;
    lastBucket = Math.floor((curEnd - 1) * inv);
    first[n] = lf ? lf[i]! : i;
    count[n] = lc ? lc[i]! : 1;
  }
  const k = n + 1;
  return {
    bucket,
    length: k,
    start: start.subarray(0, k),
    end: end.subarray(0, k),
    pages: null,
    first: first.subarray(0, k),
    count: count.subarray(0, k),
  };
}

export function buildPyramid(r: Runs): Pyramid {
  return { levels: [raw(r)] };
}

/** Buckets are 4, 16, 64 … pages, up to a 57-bit space. */
const MAX_BUCKET = 2 ** 46;

/**
 * The level to draw at `pagesPerPx`: groups of the coarsest power-of-4 bucket no wider than a pixel. Built
 * from the finest level already there on first use (one pass over it), then kept.
 */
export function levelFor(p: Pyramid, pagesPerPx: number): Level {
  let bucket = 0;
  for (let b = 4; b <= pagesPerPx && b <= MAX_BUCKET; b *= 4) bucket = b;
  let from = p.levels[0]!;
  for (const l of p.levels) {
    if (l.bucket === bucket) return l;
    if (l.bucket < bucket && l.bucket >= from.bucket) from = l;
  }
  if (bucket === 0 || from.length <= 1) return from;
  const next = coarser(from, bucket);
  // Kept in bucket order, so the finest level below any bucket is easy to find.
  p.levels.push(next);
  p.levels.sort((a, b) => a.bucket - b.bucket);
  return next;
}

/** Calls fn for each group of the right level that overlaps [lo, hi): fn(start, end, first run, runs). */
export function forVisible(
  p: Pyramid,
  lo: number,
  hi: number,
  pagesPerPx: number,
  fn: (start: number, end: number, first: number, count: number) => void,
): void {
  const l = levelFor(p, pagesPerPx);
  const { first, count } = l;
  for (let i = firstAbove((k) => endOf(l, k), l.length, lo); i < l.length && l.start[i]! < hi; i++)
    fn(l.start[i]!, endOf(l, i), first ? first[i]! : i, count ? count[i]! : 1);
}
