import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { WorkBudget } from '../budget';
import { ProcessMemory, type RegionSpec } from './memory';
import { mulberry32, shuffledSlots } from './prng';

const spec = (over: Partial<RegionSpec>): RegionSpec => ({
  name: 'R',
  vaddrPfn: 0x7f0000000,
  npages: 512 * 64,
  backing: 'ram',
  layout: 'hugepages',
  firstPfn: 0x400000,
  stride: 1,
  unitPages: 512,
  seed: 1,
  ...over,
});

describe('mulberry32 and the slot shuffle (case-format.md §1)', () => {
  it('matches an independent implementation of the case-format formula (Python, seed 1)', () => {
    const r = mulberry32(1);
    expect([r(), r(), r()]).toEqual([2693262067, 11749833, 2265367787]);
  });

  test.prop([fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 0, max: 0xffffffff })])(
    'is a permutation',
    (n, seed) => {
      const p = shuffledSlots(n, seed, new WorkBudget());
      expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    },
  );
});

describe('ProcessMemory layouts', () => {
  test.prop([fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(1, 512)])(
    'hugepages/fragmented: no two consecutive units are physically adjacent; each unit is one run',
    (seed, unit) => {
      const m = new ProcessMemory(
        [spec({ seed, unitPages: unit, npages: unit * 64, layout: unit === 1 ? 'fragmented' : 'hugepages' })],
        new WorkBudget(),
      );
      for (let k = 0; k < 64; k++) {
        const run = m.run(0x7f0000000 + k * unit, Infinity)!;
        expect(run.pages).toBe(unit);
        expect((run.pfn - 0x400000) % (2 * unit)).toBe(0);
        if (k > 0) expect(Math.abs(run.pfn - m.pfn(0x7f0000000 + (k - 1) * unit))).toBeGreaterThan(unit);
      }
    },
  );

  it('stride pages are single-page runs; no VMA gives null; BAR frames count as reserved', () => {
    const m = new ProcessMemory(
      [
        spec({ name: 'S', layout: 'stride', stride: 2, npages: 8, firstPfn: 0x300000, vaddrPfn: 0x100 }),
        spec({
          name: 'BAR',
          layout: 'contiguous',
          backing: 'vm_pfnmap_reserved',
          npages: 256,
          firstPfn: 0xe0000,
          vaddrPfn: 0x200,
        }),
        spec({ name: 'HOLE', layout: 'none', backing: 'none', npages: 16, vaddrPfn: 0x400 }),
      ],
      new WorkBudget(),
    );
    expect(m.run(0x103, 10)).toEqual({ pfn: 0x300006, reserved: false, pages: 1, toRegionEnd: false });
    expect(m.run(0x210, 1000)).toEqual({ pfn: 0xe0010, reserved: true, pages: 240, toRegionEnd: true });
    expect(m.run(0x400, 1)).toBeNull();
    expect(m.run(0x500, 1)).toBeNull();
    expect(m.countReserved(0xdff00, 0x200)).toBe(0x100);
  });
});
