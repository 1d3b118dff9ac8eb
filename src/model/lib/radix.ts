// Sorting page and frame numbers (integers below 2^53) by LSD radix on 16-bit digits: four passes over
// the array at most, where Float64Array.prototype.sort takes several times as long on half a million
// frames (the host frames a 1 TiB guest pins, sorted on every step the page shows). No kernel analogue.

import { giveF64, giveUnder, takeF64 } from './scratch';

const DIGIT = 0x10000;

/** True when every value is a safe non-negative integer; also the largest. */
function integers(a: Float64Array): { ok: boolean; max: number } {
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (!(v >= 0 && v <= Number.MAX_SAFE_INTEGER && Math.floor(v) === v)) return { ok: false, max };
    if (v > max) max = v;
  }
  return { ok: true, max };
}

/** Digit d of v: 0 and 1 are the low 32 bits, 2 and 3 the high 21. */
function digit(v: number, d: number): number {
  const word = d < 2 ? v >>> 0 : Math.floor(v / 0x100000000);
  return d % 2 === 0 ? word & 0xffff : word >>> 16;
}

/**
 * LSD passes over keys (and vals carried along, when given) up to the digits max needs. Returns the arrays
 * that hold the result (a or the scratch copies).
 */
function passes(
  keys: Float64Array,
  vals: Float64Array | null,
  max: number,
): { keys: Float64Array; vals: Float64Array | null } {
  const n = keys.length;
  if (max < 0x100000000) return passes32(keys, vals, max);
  let src: Float64Array = keys;
  let dst: Float64Array = takeF64(n).subarray(0, n);
  let vsrc: Float64Array | null = vals;
  let vdst: Float64Array | null = vals ? takeF64(n).subarray(0, n) : null;
  const counts = new Uint32Array(DIGIT);
  for (let d = 0; d < 4 && max >= 2 ** (16 * d); d++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[digit(src[i]!, d)]!++;
    prefix(counts);
    if (vsrc && vdst)
      for (let i = 0; i < n; i++) {
        const v = src[i]!;
        const at = counts[digit(v, d)]!++;
        dst[at] = v;
        vdst[at] = vsrc[i]!;
      }
    else
      for (let i = 0; i < n; i++) {
        const v = src[i]!;
        dst[counts[digit(v, d)]!++] = v;
      }
    [src, dst] = [dst, src];
    [vsrc, vdst] = [vdst, vsrc];
  }
  return { keys: src, vals: vsrc };
}

/**
 * Keys below 2^32 (host frames up to 16 TiB): passes of at most 11 bits on 32-bit copies moving an index,
 * then a gather. Small digits keep the scattered writes of a pass within a few thousand places, which
 * the cache holds (measured 20% faster than 16-bit digits on half a million frames).
 */
function passes32(
  keys: Float64Array,
  vals: Float64Array | null,
  max: number,
): { keys: Float64Array; vals: Float64Array | null } {
  const n = keys.length;
  // Sorted on (key − min) without the low bits every key shares: a 1 TiB guest's 2 MiB frames are
  // multiples of 512 above a base, so two passes do what three did.
  let min = max;
  for (let i = 0; i < n; i++) if (keys[i]! < min) min = keys[i]!;
  // Index and key columns in scratch memory, two 32-bit values per double.
  const scratch = [0, 1, 2, 3].map(() => takeF64((n + 1) >> 1));
  const u32 = (k: number) => new Uint32Array(scratch[k]!.buffer, 0, n);
  let k0 = u32(0);
  let any = 0;
  for (let i = 0; i < n; i++) any |= k0[i] = keys[i]! - min;
  const shared = any === 0 ? 0 : 31 - Math.clz32(any & -any);
  if (shared > 0) for (let i = 0; i < n; i++) k0[i] = k0[i]! >>> shared;
  const bits = Math.max(1, Math.ceil(Math.log2(((max - min) >>> shared) + 1)));
  const count = Math.ceil(bits / 11);
  const width = Math.ceil(bits / count);
  const mask = 2 ** width - 1;
  let k1 = u32(1);
  let i0 = u32(2);
  let i1 = u32(3);
  for (let i = 0; i < n; i++) i0[i] = i;
  const counts = new Uint32Array(mask + 1);
  for (let p = 0; p < count; p++) {
    const shift = p * width;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(k0[i]! >>> shift) & mask]!++;
    prefix(counts);
    for (let i = 0; i < n; i++) {
      const k = k0[i]!;
      const at = counts[(k >>> shift) & mask]!++;
      k1[at] = k;
      i1[at] = i0[i]!;
    }
    [k0, k1] = [k1, k0];
    [i0, i1] = [i1, i0];
  }
  const outKeys = takeF64(n).subarray(0, n);
  for (let i = 0; i < n; i++) outKeys[i] = keys[i0[i]!]!;
  let outVals: Float64Array | null = null;
  if (vals) {
    outVals = takeF64(n).subarray(0, n);
    for (let i = 0; i < n; i++) outVals[i] = vals[i0[i]!]!;
  }
  for (const b of scratch) giveF64(b);
  return { keys: outKeys, vals: outVals };
}

function prefix(counts: Uint32Array): void {
  let sum = 0;
  for (let k = 0; k < counts.length; k++) {
    const c = counts[k]!;
    counts[k] = sum;
    sum += c;
  }
}

/** Sorts a ascending in place and returns it; any value that is not a safe non-negative integer: native sort. */
export function sortIntegers(a: Float64Array): Float64Array {
  if (a.length < 4096) return a.sort();
  const { ok, max } = integers(a);
  if (!ok) return a.sort();
  const out = passes(a, null, max).keys;
  if (out !== a) {
    a.set(out);
    giveUnder(out);
  }
  return a;
}

/**
 * Sorts keys ascending in place and moves vals with them (a stable sort: equal keys keep their order).
 * Keys that are not all safe non-negative integers are sorted through an index.
 */
export function sortPairs(keys: Float64Array, vals: Float64Array): void {
  const n = keys.length;
  const { ok, max } = integers(keys);
  if (n < 4096 || !ok) {
    const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => keys[x]! - keys[y]! || x - y);
    const k = Float64Array.from(order, (i) => keys[i]!);
    const v = Float64Array.from(order, (i) => vals[i]!);
    keys.set(k);
    vals.set(v);
    return;
  }
  const out = passes(keys, vals, max);
  if (out.keys !== keys) {
    keys.set(out.keys);
    vals.set(out.vals!);
    giveUnder(out.keys);
    giveUnder(out.vals!);
  }
}
