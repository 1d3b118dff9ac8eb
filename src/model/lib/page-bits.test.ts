import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { PageBits } from './page-bits';

test.prop([
  fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 199 }))),
  fc.integer({ min: -70, max: 220 }),
  fc.integer({ min: -70, max: 220 }),
])('behaves as a Set of offsets: membership, size and the sorted range walk', (ops, a, b) => {
  const bits = new PageBits(200);
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
});
