// The QEMU process address space as GUP and follow_pfnmap see it (mm/gup.c pin_user_pages_remote,
// mm/memory.c follow_pfnmap_start): which host pfn backs each virtual page, whether that pfn is
// "invalid or reserved" (is_invalid_reserved_pfn), and where there is no VMA at all.
// Regions are extents: a lookup returns the whole run of physically consecutive pages, never a page list.

import type { WorkBudget } from '../budget';
import { shuffledSlots } from './prng';

export type Backing = 'ram' | 'vm_pfnmap_reserved' | 'none';
export type Layout = 'contiguous' | 'stride' | 'none' | 'hugepages' | 'fragmented';

export interface RegionSpec {
  name: string;
  vaddrPfn: number;
  npages: number;
  backing: Backing;
  layout: Layout;
  firstPfn: number;
  stride: number;
  /** Pages per unit for hugepages (512 or 262144) and fragmented (1) layouts. */
  unitPages: number;
  seed: number;
}

export interface Region extends RegionSpec {
  /** Unit k → slot P[k] (hugepages, fragmented). */
  slots: Uint32Array | null;
}

/** A run of pages starting at the asked vaddr: pfns pfn, pfn+1, … all equally reserved. */
export interface PfnRun {
  pfn: number;
  reserved: boolean;
  pages: number;
  /**
   * The run stops inside its region only where the next page is physically discontiguous (layouts never
   * place two units adjacently); only a run reaching the region's end can continue into the next region.
   */
  toRegionEnd: boolean;
}

export const HUGEPAGE_UNIT = { '2M': 512, '1G': 262144 } as const;

export class ProcessMemory {
  readonly regions: Region[];

  constructor(
    specs: RegionSpec[],
    private readonly budget: WorkBudget,
  ) {
    this.regions = specs
      .map((s) => ({
        ...s,
        slots:
          s.layout === 'hugepages' || s.layout === 'fragmented'
            ? shuffledSlots(s.npages / s.unitPages, s.seed, budget)
            : null,
      }))
      .sort((a, b) => a.vaddrPfn - b.vaddrPfn);
  }

  /** The region (VMA) holding vpfn, or undefined where there is no VMA. */
  find(vpfn: number): Region | undefined {
    let lo = 0;
    let hi = this.regions.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.regions[mid]!;
      if (vpfn < r.vaddrPfn) hi = mid - 1;
      else if (vpfn >= r.vaddrPfn + r.npages) lo = mid + 1;
      else return r.backing === 'none' ? undefined : r;
    }
    return undefined;
  }

  /**
   * The run of physically consecutive pages from vpfn inside its region, at most `max` pages;
   * null where no VMA backs vpfn (GUP and follow_pfnmap both fail: -EFAULT). Pinning calls this once
   * per chunk of a 1 TiB guest, so the caller may pass the object to fill.
   */
  run(
    vpfn: number,
    max: number,
    out: PfnRun = { pfn: 0, reserved: false, pages: 0, toRegionEnd: false },
  ): PfnRun | null {
    const r = this.find(vpfn);
    if (!r) return null;
    const k = vpfn - r.vaddrPfn;
    const contiguous = runAt(r, k);
    out.pfn = pfnAt(r, k);
    out.reserved = r.backing === 'vm_pfnmap_reserved';
    out.pages = Math.min(max, contiguous);
    out.toRegionEnd = k + contiguous === r.npages;
    return out;
  }

  /**
   * How many of pfns [pfn, pfn + n) are invalid or reserved (is_invalid_reserved_pfn): the frames of the
   * PFNMAP regions. A frame is asked about once however many mappings reach it: two mmaps of one BAR are
   * two regions over the same frames, and put_pfn asks only whether the pfn itself is reserved.
   */
  countReserved(pfn: number, n: number): number {
    const hits: Array<{ lo: number; hi: number; r: Region }> = [];
    for (const r of this.regions) {
      if (r.backing !== 'vm_pfnmap_reserved') continue;
      const lo = Math.max(pfn, r.firstPfn);
      const hi = Math.min(pfn + n, r.firstPfn + (r.npages - 1) * strideOf(r) + 1);
      if (hi > lo) hits.push({ lo, hi, r });
    }
    if (hits.length === 0) return 0;
    if (hits.length === 1) return framesIn(hits[0]!.r, hits[0]!.lo, hits[0]!.hi);
    if (hits.every((h) => strideOf(h.r) === 1)) return unionLength(hits);
    // Overlapping strided BAR mappings: rare enough to ask frame by frame.
    const lo = Math.min(...hits.map((h) => h.lo));
    const hi = Math.max(...hits.map((h) => h.hi));
    this.budget.spend(hi - lo, 'counting reserved frames of overlapping mappings');
    let count = 0;
    for (let f = lo; f < hi; f++) if (hits.some((h) => f >= h.lo && f < h.hi && isFrameOf(h.r, f))) count++;
    return count;
  }

  /** Host pfn behind vpfn, or -1 without a VMA. */
  pfn(vpfn: number): number {
    const r = this.find(vpfn);
    return r ? pfnAt(r, vpfn - r.vaddrPfn) : -1;
  }
}

function strideOf(r: Region): number {
  return r.layout === 'stride' ? r.stride : 1;
}

function isFrameOf(r: Region, f: number): boolean {
  return (f - r.firstPfn) % strideOf(r) === 0;
}

/** Frames of a contiguous or strided region inside [lo, hi), lo and hi within its span. */
function framesIn(r: Region, lo: number, hi: number): number {
  const step = strideOf(r);
  if (step === 1) return hi - lo;
  return Math.floor((hi - 1 - r.firstPfn) / step) - Math.ceil((lo - r.firstPfn) / step) + 1;
}

/** Length of the union of intervals [lo, hi). */
function unionLength(spans: Array<{ lo: number; hi: number }>): number {
  const sorted = [...spans].sort((a, b) => a.lo - b.lo);
  let total = 0;
  let end = -Infinity;
  for (const { lo, hi } of sorted) {
    if (hi <= end) continue;
    total += hi - Math.max(lo, end);
    end = hi;
  }
  return total;
}

function pfnAt(r: Region, k: number): number {
  switch (r.layout) {
    case 'contiguous':
    case 'none':
      return r.firstPfn + k;
    case 'stride':
      return r.firstPfn + r.stride * k;
    case 'hugepages':
    case 'fragmented': {
      const u = r.unitPages;
      const unit = Math.floor(k / u);
      return r.firstPfn + 2 * r.slots![unit]! * u + (k - unit * u);
    }
  }
}

/** Pages from page k to the end of its physically contiguous run inside the region. */
function runAt(r: Region, k: number): number {
  switch (r.layout) {
    case 'contiguous':
    case 'none':
      return r.npages - k;
    case 'stride':
      return r.stride === 1 ? r.npages - k : 1;
    case 'hugepages':
    case 'fragmented':
      // Slots are even, so two units are never physically adjacent.
      return r.unitPages - (k % r.unitPages);
  }
}
