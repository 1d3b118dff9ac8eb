import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { sortIntegers, sortPairs } from './radix';

/** sortPairs gives what a stable index sort by key gives. */
function sortsLikeAnIndexSort(all: ReadonlyArray<readonly [number, number]>): void {
  const expected = all.map((p, i) => [p, i] as const).sort((x, y) => x[0][0] - y[0][0] || x[1] - y[1]);
  const keys = Float64Array.from(all, (p) => p[0]);
  const vals = Float64Array.from(all, (p) => p[1]);
  sortPairs(keys, vals);
  expect(Array.from(keys)).toEqual(expected.map((e) => e[0][0]));
  expect(Array.from(vals)).toEqual(expected.map((e) => e[0][1]));
}

test.prop([
  fc.array(
    fc.oneof(fc.nat(70000), fc.integer({ min: 0, max: 2 ** 53 - 1 }), fc.integer({ min: 2 ** 31, max: 2 ** 40 })),
    {
      minLength: 4096,
      maxLength: 6000,
    },
  ),
  fc.option(fc.oneof(fc.constant(-1), fc.constant(0.5), fc.constant(2 ** 60))),
])('sorts as the native sort does, radix for safe integers and native otherwise', (values, odd) => {
  const a = Float64Array.from(odd === null ? values : [...values, odd]);
  const expected = Float64Array.from(a).sort();
  expect(sortIntegers(a)).toEqual(expected);
});

test.prop([
  fc.oneof(
    ...[
      [1, 100],
      [4096, 6000],
    ].map(([minLength, maxLength]) =>
      fc.array(fc.tuple(fc.oneof(fc.nat(70000), fc.integer({ min: 0, max: 2 ** 53 - 1 })), fc.nat()), {
        minLength,
        maxLength,
      }),
    ),
  ),
  fc.option(fc.oneof(fc.constant(-1), fc.constant(0.5))),
])('sorts pairs by key, stable, as an index sort does', (pairs, odd) => {
  sortsLikeAnIndexSort(odd === null ? pairs : [...pairs, [odd, 7] as [number, number]]);
});

test.prop([
  fc.integer({ min: 0, max: 2 ** 31 }),
  fc.integer({ min: 0, max: 12 }),
  fc.array(fc.tuple(fc.nat(2 ** 18), fc.nat()), { minLength: 4096, maxLength: 6000 }),
])('sorts keys that share a base and low zero bits (huge-page frames) as an index sort does', (base, shift, xs) => {
  sortsLikeAnIndexSort(xs.map(([x, v]) => [base + x * 2 ** shift, v] as const));
});
