import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { WorkBudget } from '../budget';
import { parseProfile } from '../profile';
import { IommuDomain, iommuPgsize } from './core';
import { IOMMU_READ, IOMMU_WRITE, type VtdConfig } from './types';

const P618 = parseProfile('6.18');
const RW = IOMMU_READ | IOMMU_WRITE;
const cfg = (superpageSupport: 0 | 1 | 2): VtdConfig => ({
  levels: 4,
  gawBits: 48,
  superpageSupport,
  snoopControl: false,
});
const domain = (sp: 0 | 1 | 2 = 2, profile = P618) => new IommuDomain('gpu0', cfg(sp), profile, new WorkBudget(), 0);

/** Naive leaf choice: at each page, the largest page both addresses are aligned to that still fits. */
function greedyLeaves(iova: number, phys: number, pages: number, sp: number): Array<[number, number]> {
  const orders = [0, 9, 18].slice(0, sp + 1);
  const out: Array<[number, number]> = [];
  for (let done = 0; done < pages;) {
    const o = [...orders]
      .reverse()
      .find((k) => (iova + done) % 2 ** k === 0 && (phys + done) % 2 ** k === 0 && pages - done >= 2 ** k)!;
    out.push([iova + done, o]);
    done += 2 ** o;
  }
  return out;
}

describe('iommu_pgsize', () => {
  it('splits 0x202000 bytes at iova 0x1ff000 into 4K, 2M, 4K', () => {
    const orders = [0, 9, 18];
    expect(iommuPgsize(orders, 0x1ff, 0x1001ff, 0x202, true)).toEqual({ order: 0, count: 1 });
    expect(iommuPgsize(orders, 0x200, 0x100200, 0x201, true)).toEqual({ order: 9, count: 1 });
  });

  it('maps a run of 4K pages in one call when the offsets differ within 2 MiB', () => {
    expect(iommuPgsize([0, 9, 18], 1, 0x100000, 512, true)).toEqual({ order: 0, count: 512 });
  });
});

describe('IommuDomain over the VT-d table', () => {
  test.prop([
    fc.integer({ min: 0, max: 4096 }),
    fc.integer({ min: 0, max: 4096 }),
    fc.integer({ min: 1, max: 3000 }),
    fc.constantFrom<0 | 1 | 2>(0, 1, 2),
    fc.boolean(),
  ])('leaves equal the greedy choice; translations hold; unmap empties', (iovaUnits, physUnits, pages, sp, coarse) => {
    // Coarse placements land on 2 MiB boundaries so superpages occur (1 GiB ones when lengths are long
    // enough and 1G pages are supported); fine ones test the 4K paths.
    const iova = coarse ? iovaUnits * 512 : iovaUnits * 7;
    const phys = 0x100000 + (coarse ? physUnits * 512 : physUnits * 3);
    const npages = coarse ? pages * (sp === 2 ? 257 : 5) : pages;
    const d = domain(sp);
    expect(d.map(iova, phys, npages, RW)).toBe(0);
    const leaves: Array<[number, number]> = [];
    d.forEachLeaf(iova, iova + npages, (i, p, n) => {
      expect(p - phys).toBe(i - iova);
      leaves.push([i, Math.log2(n)]);
    });
    expect(leaves).toEqual(greedyLeaves(iova, phys, npages, sp));
    for (const k of [0, npages >> 1, npages - 1]) expect(d.iovaToPhysPfn(iova + k)).toBe(phys + k);
    expect(d.iovaToPhysPfn(iova + npages)).toBe(-1);
    expect(d.unmap(iova, npages)).toBe(npages);
    expect(d.leafCounts()).toEqual({ '4K': 0, '2M': 0, '1G': 0 });
  });

  it('unmapping 4K inside a 2M superpage removes and reports the whole superpage', () => {
    const d = domain();
    expect(d.map(0, 0x100000, 512, RW)).toBe(0);
    expect(d.unmap(0, 1)).toBe(512);
    expect(d.iovaToPhysPfn(100)).toBe(-1);
  });

  it('a superpage replaces a leftover empty table below it and frees it', () => {
    const d = domain();
    d.map(0, 0x100001, 1, RW);
    d.unmap(0, 1);
    expect(d.level1Tables()).toEqual([{ covers: [0n, 0x1fffffn], usedEntries: 0 }]);
    expect(d.map(0, 0x100000, 512, RW)).toBe(0);
    expect(d.level1Tables()).toEqual([]);
    expect(d.table.tablesFreed).toBe(1);
    expect(d.leafCounts()['2M']).toBe(1);
  });

  it('keeps an existing 4K leaf ("already set") rather than overwriting it', () => {
    const d = domain();
    d.map(5, 0x100005, 1, RW);
    d.map(5, 0x200005, 1, RW);
    expect(d.iovaToPhysPfn(5)).toBe(0x100005);
    expect(d.table.alreadySet).toBe(1);
  });

  it('refuses an iova past the domain width with -EFAULT and unaligned bytes with -EINVAL', () => {
    const d = domain();
    expect(d.mapBytes(1n << 48n, 0x100000000n, 0x1000n, RW)).toBe('-EFAULT');
    expect(d.mapBytes(0x800n, 0x100000000n, 0x1000n, RW)).toBe('-EINVAL');
    expect(d.unmapBytes(0x800n, 0x1000n)).toBe(0n);
  });

  it('before 5.15 advertises every power of two and still builds the same leaves', () => {
    const d = domain(2, parseProfile('5.10'));
    expect(d.pgsizeBitmap).toBe(0xfffffffffffff000n);
    expect(d.map(0x3fe00, 0x13fe00, 0x40400, RW)).toBe(0);
    expect(d.leafCounts()).toEqual({ '4K': 0, '2M': 2, '1G': 1 });
  });
});
