import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { argsort, gather, iota } from './arrays';

describe('argsort', () => {
  test.prop([
    fc.array(
      fc.oneof(fc.nat(1000), fc.integer({ min: 0, max: 2 ** 52 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })),
      {
        maxLength: 300,
      },
    ),
  ])('orders rows by key, ties by row, whether the packed or the comparator sort runs', (keys) => {
    const key = Float64Array.from(keys);
    const expected = [...iota(keys.length)].sort((a, b) => key[a]! - key[b]! || a - b);
    expect([...argsort(key, keys.length)]).toEqual(expected);
    expect([...gather(key, argsort(key, keys.length))]).toEqual([...key].sort((a, b) => a - b));
  });
});
