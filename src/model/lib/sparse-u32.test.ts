import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { SparseU32 } from './sparse-u32';

test.prop([
  fc.constantFrom(5000, 2 ** 44),
  fc.array(fc.tuple(fc.integer({ min: 0, max: 4999 }), fc.integer({ min: 0, max: 0xffffffff }))),
])('reads back what was written and 0 elsewhere, in an array or a map of pages', (length, writes) => {
  const a = new SparseU32(length);
  const ref = new Map<number, number>();
  for (const [i, v] of writes) {
    a.set(i, v);
    ref.set(i, v);
  }
  for (let i = 0; i < 5000; i += 7) expect(a.get(i)).toBe(ref.get(i) ?? 0);
  for (const [i, v] of ref) expect(a.get(i)).toBe(v);
});
