// Level of detail for sorted runs of pages: the runs themselves, then coarser levels where the runs that
// fall in one aligned bucket are merged into one group with a count. A frame draws the level whose
// buckets are narrower than a pixel, so it visits about as many groups as there are pixels, however
// many runs there are (a 1 TiB guest has half a million). Built once per step, read every frame.

export interface Runs {
  length: number;
  /** First page of each run, ascending. */
  start: Float64Array;
  pages: Float64Array;
}

export interface Level {
  /** Bucket size in pages (0 for the runs themselves). */
  bucket: number;
  length: number;
  start: Float64Array;
  end: Float64Array;
  /** The first run of each group, and how many runs it merges. */
  first: Uint32Array;
  count: Uint32Array;
}

export interface Pyramid {
  levels: Level[];
}

function raw(r: Runs): Level {
  const end = new Float64Array(r.length);
  for (let i = 0; i < r.length; i++) end[i] = r.start[i]! + r.pages[i]!;
  return {
    bucket: 0,
    length: r.length,
    start: r.start.subarray(0, r.length),
    end,
    first: Uint32Array.from({ length: r.length }, (_, i) => i),
    count: new Uint32Array(r.length).fill(1),
  };
}

/** Merges the groups of `l` that meet in one bucket of `bucket` pages. */
function coarser(l: Level, bucket: number): Level {
  const start = new Float64Array(l.length);
  const end = new Float64Array(l.length);
  const first = new Uint32Array(l.length);
  const count = new Uint32Array(l.length);
  let n = -1;
  for (let i = 0; i < l.length; i++) {
    const s = l.start[i]!;
    if (n >= 0 && Math.floor(s / bucket) <= Math.floor((end[n]! - 1) / bucket)) {
      end[n] = Math.max(end[n]!, l.end[i]!);
      count[n]! += l.count[i]!;
      continue;
    }
    n++;
    start[n] = s;
    end[n] = l.end[i]!;
    first[n] = l.first[i]!;
    count[n] = l.count[i]!;
  }
  const len = n + 1;
  return {
    bucket,
    length: len,
    start: start.slice(0, len),
    end: end.slice(0, len),
    first: first.slice(0, len),
    count: count.slice(0, len),
  };
}

export function buildPyramid(r: Runs): Pyramid {
  const levels = [raw(r)];
  // Buckets of 4, 16, 64 … pages, until one group is left or the buckets outgrow a 57-bit space.
  for (let bucket = 4; levels.at(-1)!.length > 1 && bucket <= 2 ** 46; bucket *= 4) {
    const next = coarser(levels.at(-1)!, bucket);
    if (next.length < levels.at(-1)!.length) levels.push(next);
    else levels.at(-1)!.bucket = Math.max(levels.at(-1)!.bucket, bucket);
  }
  return { levels };
}

/** The level to draw at `pagesPerPx`: the coarsest whose buckets are no wider than a pixel. */
export function levelFor(p: Pyramid, pagesPerPx: number): Level {
  let pick = p.levels[0]!;
  for (const l of p.levels) if (l.bucket <= pagesPerPx) pick = l;
  return pick;
}

/** First group ending after `page` (binary search). */
function firstEndingAfter(l: Level, page: number): number {
  let lo = 0;
  let hi = l.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (l.end[mid]! <= page) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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
  for (let i = firstEndingAfter(l, lo); i < l.length && l.start[i]! < hi; i++)
    fn(l.start[i]!, l.end[i]!, l.first[i]!, l.count[i]!);
}
