// Typed-array helpers for the views' per-step passes over half a million rows: plain loops, because
// TypedArray.from with a mapping function and sort with a comparator are many times slower in V8.

/** 0, 1, …, n − 1. */
export function iota(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** src[idx[0]], src[idx[1]], … */
export function gather(src: Float64Array, idx: Uint32Array): Float64Array {
  const out = new Float64Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = src[idx[i]!]!;
  return out;
}

/**
 * The rows 0 … n − 1 in ascending order of key (ties by row). When key × n stays below 2^53 the pairs are
 * packed into one number and sorted natively; otherwise a comparator sort.
 */
export function argsort(key: Float64Array, n: number): Uint32Array {
  let max = 0;
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const k = key[i]!;
    if (!(k >= 0 && Number.isInteger(k))) max = Infinity;
    else if (k > max) max = k;
    if (i > 0 && key[i - 1]! > k) sorted = false;
  }
  if (sorted) return iota(n);
  if ((max + 1) * n < Number.MAX_SAFE_INTEGER) {
    const packed = new Float64Array(n);
    for (let i = 0; i < n; i++) packed[i] = key[i]! * n + i;
    packed.sort();
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = packed[i]! % n;
    return out;
  }
  return iota(n).sort((a, b) => key[a]! - key[b]! || a - b);
}
