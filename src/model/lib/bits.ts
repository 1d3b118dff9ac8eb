// Bit arithmetic on page numbers held as plain numbers (exact below 2^53), where JavaScript's 32-bit
// operators would truncate. Mirrors __ffs / __fls / roundup_pow_of_two of include/linux/bitops.h.

const TWO32 = 2 ** 32;

const U32_MAX = 0xffffffff;

/** __ffs: index of the lowest set bit; x must be a positive integer. */
export function ffs(x: number): number {
  if (x <= U32_MAX) {
    const v = x >>> 0;
    return 31 - Math.clz32(v & -v);
  }
  const lo = x % TWO32;
  if (lo !== 0) return 31 - Math.clz32(lo & -lo);
  const hi = Math.floor(x / TWO32);
  return 32 + 31 - Math.clz32(hi & -hi);
}

/** __fls: index of the highest set bit; x must be a positive integer. */
export function fls(x: number): number {
  if (x <= U32_MAX) return 31 - Math.clz32(x >>> 0);
  const hi = Math.floor(x / TWO32);
  return hi > 0 ? 32 + 31 - Math.clz32(hi) : 31 - Math.clz32(x);
}

/**
 * x mod p for a power of two p ≤ 2^31: a bit mask while x fits 32 bits (the common case, and much
 * cheaper than a floating-point remainder), the remainder otherwise.
 */
export function modPow2(x: number, p: number): number {
  return x <= U32_MAX ? x & (p - 1) : x % p;
}

/** True when x is a multiple of 2^k. */
export function isAligned(x: number, k: number): boolean {
  return x % 2 ** k === 0;
}

/** roundup_pow_of_two for a positive integer. */
export function roundupPowOfTwo(x: number): number {
  const p = 2 ** fls(x);
  return p === x ? p : p * 2;
}

/** order_base_2 / fls_long(x - 1): the log2 of roundup_pow_of_two(x) (0 for x = 1). */
export function orderBase2(x: number): number {
  return x <= 1 ? 0 : fls(x - 1) + 1;
}
