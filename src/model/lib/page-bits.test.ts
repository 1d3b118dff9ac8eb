import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { PageBits } from './page-bits';

test.prop([
  fc.array(
    fc.tuple(
      fc.boolean(),
      fc.oneof(
        fc.integer({ min: 0, max: 199 }),
        fc.integer({ min: 32_700, max: 32_900 }),
        fc.integer({ min: 0, max: 199_999 }),
      ),
    ),
  ),
  fc.oneof(
    fc.integer({ min: -70, max: 220 }),
    fc.integer({ min: 32_700, max: 33_000 }),
    fc.integer({ min: 0, max: 200_100 }),
  ),
  fc.oneof(
    fc.integer({ min: -70, max: 220 }),
    fc.integer({ min: 32_700, max: 33_000 }),
    fc.integer({ min: 0, max: 200_100 }),
  ),
  fc.constantFrom(200_000, 2 ** 40),
])(
  'behaves as a Set of offsets: membership, size and the sorted range walk (array or map of chunks)',
  (ops, a, b, pages) => {
    const bits = new PageBits(pages);
    const ref = new Set<number>();
    for (const [add, i] of ops) {
      if (add) {
        bits.add(i);
        ref.add(i);
      } else {
        bits.delete(i);
        ref.delete(i);
      }
      expect(bits.has(i)).toBe(ref.has(i));
      expect(bits.size).toBe(ref.size);
    }
    const [from, to] = [Math.min(a, b), Math.max(a, b)];
    expect(bits.inRange(from, to)).toEqual([...ref].filter((i) => i >= from && i < to).sort((x, y) => x - y));
  },
);
