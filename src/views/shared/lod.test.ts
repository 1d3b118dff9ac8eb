import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { buildPyramid, forVisible, levelFor } from './lod';

const runs = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 300 })), { maxLength: 200 })
  .map((gaps) => {
    const start: number[] = [];
    const pages: number[] = [];
    let at = 0;
    for (const [gap, n] of gaps) {
      at += gap;
      start.push(at);
      pages.push(n);
      at += n;
    }
    return { length: start.length, start: Float64Array.from(start), pages: Float64Array.from(pages) };
  });

test.prop([
  runs,
  fc.integer({ min: 0, max: 2 ** 20 }),
  fc.integer({ min: 1, max: 2 ** 20 }),
  fc.double({ min: 0.01, max: 5000, noNaN: true }),
])(
  'every level covers exactly the runs: each visible run lies in one group, counts add up, groups are narrower than a pixel or one run',
  (r, lo, span, ppp) => {
    const p = buildPyramid(r);
    const hi = lo + span;
    const seen: number[] = [];
    forVisible(p, lo, hi, ppp, (start, end, first, count) => {
      for (let k = first; k < first + count; k++) {
        expect(r.start[k]!).toBeGreaterThanOrEqual(start);
        expect(r.start[k]! + r.pages[k]!).toBeLessThanOrEqual(end);
        seen.push(k);
      }
      if (count > 1)
        expect(Math.floor(start / levelFor(p, ppp).bucket)).toBeLessThanOrEqual(
          Math.floor((end - 1) / levelFor(p, ppp).bucket),
        );
    });
    const want = [];
    for (let k = 0; k < r.length; k++) if (r.start[k]! < hi && r.start[k]! + r.pages[k]! > lo) want.push(k);
    // Groups are whole: a group that overlaps the window brings all its runs.
    for (const k of want) expect(seen).toContain(k);
    expect(new Set(seen).size).toBe(seen.length);
  },
);
