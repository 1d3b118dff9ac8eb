import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { ColumnLog } from './columns';

test.prop([fc.array(fc.nat({ max: 10_000 }), { minLength: 1, maxLength: 3 })], { numRuns: 30 })(
  'every row reads back as pushed, across the growing first block and the full blocks after it',
  (sizes) => {
    const log = new ColumnLog(['a', 'b', 'c', 'd', 'e'] as const);
    for (const n of sizes) {
      log.clear();
      for (let i = 0; i < n; i++) log.push(i, i * 2, i * 3, i * 4, -i);
      expect(log.length).toBe(n);
      for (let i = 0; i < n; i++) {
        expect(log.at(i, 0)).toBe(i);
        expect(log.get(i, 'c')).toBe(i * 3);
        expect(log.at(i, 4)).toBe(-i);
      }
    }
  },
);
