import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import type { Ranges } from '../../model/inspect/diff';
import { firstOverlap } from './ranges';

// Sorted, non-overlapping ranges as diff.ts makes them: gaps and lengths of at least one page.
const ranges = fc
  .array(fc.record({ gap: fc.nat({ max: 20 }), pages: fc.integer({ min: 1, max: 20 }) }), { maxLength: 30 })
  .map((xs): Ranges => {
    let at = 0;
    const lo: number[] = [];
    const pages: number[] = [];
    for (const x of xs) {
      at += x.gap;
      lo.push(at);
      pages.push(x.pages);
      at += x.pages;
    }
    return {
      length: xs.length,
      cols: { lo: Float64Array.from(lo), pages: Float64Array.from(pages), kind: new Float64Array(xs.length) },
    };
  });

test.prop([ranges, fc.nat({ max: 500 }), fc.integer({ min: 1, max: 40 })])(
  'finds the first range a scan finds',
  (r, lo, n) => {
    let scan = -1;
    for (let i = 0; i < r.length; i++)
      if (r.cols.lo[i]! < lo + n && r.cols.lo[i]! + r.cols.pages[i]! > lo) {
        scan = i;
        break;
      }
    expect(firstOverlap(r, lo, lo + n)).toBe(scan);
  },
);
