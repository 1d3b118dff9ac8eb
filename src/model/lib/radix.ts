// Sorting page and frame numbers (integers below 2^53) by LSD radix on 16-bit digits: four passes over
// the array at most, where Float64Array.prototype.sort takes several times as long on half a million
// frames (the host frames a 1 TiB guest pins, sorted on every step the page shows). No kernel analogue.

const DIGIT = 0x10000;

/** Sorts a ascending in place and returns it; any value that is not a safe non-negative integer: native sort. */
export function sortIntegers(a: Float64Array): Float64Array {
  const n = a.length;
  if (n < 4096) return a.sort();
  let max = 0;
  for (let i = 0; i < n; i++) {
    const v = a[i]!;
    if (!(v >= 0 && v <= Number.MAX_SAFE_INTEGER && Math.floor(v) === v)) return a.sort();
    if (v > max) max = v;
  }
  let src: Float64Array = a;
  let dst: Float64Array = new Float64Array(n);
  const counts = new Uint32Array(DIGIT);
  // Digits 0 and 1 are the low 32 bits, 2 and 3 the high 21.
  for (let d = 0; d < 4 && max >= 2 ** (16 * d); d++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[digit(src[i]!, d)]!++;
    let sum = 0;
    for (let k = 0; k < DIGIT; k++) {
      const c = counts[k]!;
      counts[k] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const v = src[i]!;
      dst[counts[digit(v, d)]!++] = v;
    }
    [src, dst] = [dst, src];
  }
  if (src !== a) a.set(src);
  return a;
}

function digit(v: number, d: number): number {
  const word = d < 2 ? v >>> 0 : Math.floor(v / 0x100000000);
  return d % 2 === 0 ? word & 0xffff : word >>> 16;
}
