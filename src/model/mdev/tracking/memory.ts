// Tracking memory of the four gpa → iova designs argued over in May 2016 (the seed thread), for a set
// of registered regions (one per vfio_dma) and the guest pages the vGPU has pinned, computed from the
// structures each design allocates:
//   per-page-tree   one node per pinned page in an rb-tree (option 1; what KVMGT's gvt_dma became)
//   iova-range      one struct iova per region from alloc_iova, PTEs written by iommu_map on demand
//                   (option 2): the VT-d table pages those PTEs need
//   region-table    a 512-entry page table rooted in each region, indexed by page offset (option 3)
//   flat-array      a 4-byte entry per page of each region (option 4)
// Counting table pages walks the real layout (which 4 KiB table a page's entry lands in), not a formula.

import { IommuDomain } from '../../iommu/core';
import { IOMMU_READ, IOMMU_WRITE } from '../../iommu/types';
import { WorkBudget } from '../../budget';
import { parseProfile } from '../../profile';
import { kvmallocFootprint, STRUCTS, type StructCost } from './structs';

export const STRATEGIES = ['per-page-tree', 'iova-range', 'region-table', 'flat-array'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface Region {
  /** First guest page (gfn) and length in pages. */
  gfn: number;
  npages: number;
}

export interface CostLine {
  what: string;
  count: number;
  sizeof: number;
  slab: number;
  cache: string;
}

export interface MemoryCost {
  strategy: Strategy;
  entries: number;
  sizeofBytes: number;
  slabBytes: number;
  lines: CostLine[];
}

function line(s: StructCost, count: number): CostLine {
  return { what: s.name, count, sizeof: s.sizeof * count, slab: s.slab * count, cache: s.cache };
}

function total(strategy: Strategy, entries: number, lines: CostLine[]): MemoryCost {
  return {
    strategy,
    entries,
    sizeofBytes: lines.reduce((a, l) => a + l.sizeof, 0),
    slabBytes: lines.reduce((a, l) => a + l.slab, 0),
    lines,
  };
}

/** Pinned pages grouped by region, as offsets; pages outside every region are not tracked by anyone. */
function offsetsByRegion(regions: Region[], pinned: Iterable<number>): number[][] {
  const out = regions.map(() => [] as number[]);
  for (const gfn of pinned) {
    const i = regions.findIndex((r) => gfn >= r.gfn && gfn < r.gfn + r.npages);
    if (i >= 0) out[i]!.push(gfn - regions[i]!.gfn);
  }
  return out;
}

/** Table pages of a 512-ary table over `npages` slots holding `offsets`: every level's distinct nodes. */
function radixPages(npages: number, offsets: number[]): number {
  let levels = 1;
  while (512 ** levels < npages) levels++;
  let pages = 1;
  for (let l = 1; l < levels; l++) pages += new Set(offsets.map((o) => Math.floor(o / 512 ** l))).size;
  return pages;
}

export function trackingMemory(strategy: Strategy, regions: Region[], pinned: Iterable<number>): MemoryCost {
  const byRegion = offsetsByRegion(regions, pinned);
  const pinnedCount = byRegion.reduce((a, o) => a + o.length, 0);
  switch (strategy) {
    case 'per-page-tree':
      return total(strategy, pinnedCount, [line(STRUCTS.perPageEntry, pinnedCount)]);
    case 'flat-array': {
      const entries = regions.reduce((a, r) => a + r.npages, 0);
      const lines = regions.map((r) => {
        const f = kvmallocFootprint(r.npages * 4);
        return {
          what: `u32 array, ${r.npages} entries`,
          count: 1,
          sizeof: r.npages * 4,
          slab: f.bytes,
          cache: f.cache,
        };
      });
      return total(strategy, entries, lines);
    }
    case 'region-table': {
      const pages = regions.reduce((a, r, i) => a + radixPages(r.npages, byRegion[i]!), 0);
      return total(strategy, pinnedCount, [line(STRUCTS.tablePage, pages)]);
    }
    case 'iova-range': {
      // Each region gets one iova range of its size; a pinned page's PTE sits at range start + offset.
      // The ranges are laid out as alloc_iova would stack them (top-down, size-aligned); table pages are
      // counted by writing the PTEs into a real VT-d table (4K leaves: pages are mapped one by one).
      const domain = new IommuDomain(
        'dma',
        { levels: 4, gawBits: 48, superpageSupport: 0, snoopControl: false },
        parseProfile('6.18'),
        new WorkBudget(2 ** 40),
        0,
      );
      let top = 2 ** 27;
      byRegion.forEach((offsets, i) => {
        const size = regions[i]!.npages;
        const align = 2 ** Math.ceil(Math.log2(size));
        top = Math.floor((top - size) / align) * align;
        for (const o of offsets) domain.map(top + o, o, 1, IOMMU_READ | IOMMU_WRITE);
      });
      return total(strategy, regions.length + pinnedCount, [
        line(STRUCTS.iova, regions.length),
        line(STRUCTS.tablePage, domain.newTablePages + 1),
      ]);
    }
  }
}
