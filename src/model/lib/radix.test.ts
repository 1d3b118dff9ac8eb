import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { sortIntegers } from './radix';

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
