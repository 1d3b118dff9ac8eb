import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { firstEndingAfter, firstStartingAfter } from './search';

/** Sorted runs that do not overlap, from gaps and lengths. */
const runs = fc.array(fc.tuple(fc.nat(5), fc.integer({ min: 1, max: 6 })), { maxLength: 60 }).map((xs) => {
  const start: number[] = [];
  const pages: number[] = [];
  let at = 0;
  for (const [gap, len] of xs) {
    start.push(at + gap);
    pages.push(len);
    at += gap + len;
  }
  return { start, pages };
});

test.prop([runs, fc.array(fc.integer({ min: -2, max: 300 }), { maxLength: 20 })], { numRuns: 300 })(
  'searching from an earlier answer gives what a scan gives, for pages asked in ascending order',
  ({ start, pages }, ps) => {
    const n = start.length;
    let a = 0;
    let b = 0;
    for (const p of [...ps].sort((x, y) => x - y)) {
      const ending = start.findIndex((s, i) => s + pages[i]! > p);
      const starting = start.findIndex((s) => s > p);
      a = firstEndingAfter(start, pages, n, p, a);
      b = firstStartingAfter(start, n, p, b);
      expect(a).toBe(ending < 0 ? n : ending);
      expect(b).toBe(starting < 0 ? n : starting);
      expect(firstEndingAfter(start, pages, n, p)).toBe(a);
    }
  },
);
