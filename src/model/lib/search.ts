// Binary search over sorted runs that do not overlap (a start and a length per run): the one question the
// inspector, the host-pin sweep and the views each ask of half a million runs. No kernel analogue.

/** The first run ending after page p: runs before it end at or before p. */
export function firstEndingAfter(start: ArrayLike<number>, pages: ArrayLike<number>, n: number, p: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (start[mid]! + pages[mid]! <= p) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
