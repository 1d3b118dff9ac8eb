// Searches over sorted runs that do not overlap (a start and a length per run): the questions the
// inspector, the host-pin sweep, table patches and the views ask of half a million runs. A caller asking
// in ascending order passes its last answer as `from`: the search gallops from there, so thousands of
// questions cost little more than their answers. No kernel analogue.

/** The first index ≥ from whose key is above p, for keys ascending from `from` on (galloping, then bisection). */
export function firstAbove(key: (i: number) => number, n: number, p: number, from = 0): number {
  let lo = from;
  let hi = from;
  let step = 1;
  while (hi < n && key(hi) <= p) {
    lo = hi + 1;
    hi += step;
    step *= 2;
  }
  if (hi > n) hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(mid) <= p) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first run ending after page p: runs before it end at or before p. */
export function firstEndingAfter(
  start: ArrayLike<number>,
  pages: ArrayLike<number>,
  n: number,
  p: number,
  from = 0,
): number {
  return firstAbove((i) => start[i]! + pages[i]!, n, p, from);
}

/** The first run starting after page p. */
export function firstStartingAfter(start: ArrayLike<number>, n: number, p: number, from = 0): number {
  return firstAbove((i) => start[i]!, n, p, from);
}
