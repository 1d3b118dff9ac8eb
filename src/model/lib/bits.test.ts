import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { ffs, fls, orderBase2, roundupPowOfTwo } from './bits';

const big = (x: number) => BigInt(x);

describe('bit helpers on page numbers above 2^32', () => {
  test.prop([fc.bigInt({ min: 1n, max: 2n ** 52n })])('ffs and fls agree with bigint arithmetic', (b) => {
    const x = Number(b);
    expect(big(2 ** ffs(x)) === (b & -b)).toBe(true);
    expect(b >> big(fls(x))).toBe(1n);
  });

  test.prop([fc.integer({ min: 1, max: 2 ** 40 })])('roundup_pow_of_two and order_base_2', (x) => {
    const p = roundupPowOfTwo(x);
    expect(p >= x && p / 2 < x).toBe(true);
    expect(2 ** orderBase2(x)).toBe(p);
  });

  test('kernel examples: alignment of size-aligned iovas', () => {
    expect([1, 3, 5, 33].map(orderBase2)).toEqual([0, 2, 3, 6]);
  });
});
