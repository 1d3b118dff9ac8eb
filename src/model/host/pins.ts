// Host frames and their pin counts (the page refcount pins of mm/gup.c), derived on demand the way
// type1 itself derives them: one pin per page mapped by an IOMMU-backed vfio_dma (read back from the
// first domain, as vfio_unmap_unpin does) plus one per vfio_pfn. Reserved frames are never pinned.
// Extents, not pages: a 1 TiB guest on 2 MiB pages is half a million runs, swept in sorted typed arrays.

import { sortIntegers, sortPairs } from '../lib/radix';
import { giveF64, keptCopy, takeF64 } from '../lib/scratch';
import { firstEndingAfter } from '../lib/search';
import type { Table } from '../lib/table';
import { DMA_IOMMU_MAPPED, dmaColumns } from '../vfio/dma';
import type { VfioIommu } from '../vfio/iommu';

/** Sorted, merged runs of host frames with at least one pin: run i is pfn[i] .. pfn[i] + npages[i] − 1. */
export interface PinExtents {
  length: number;
  pfn: Float64Array;
  npages: Float64Array;
  pins: Float64Array;
}

/** A growable list of numbers in a Float64Array (from the scratch list), so it can be sorted natively. */
class Numbers {
  data = takeF64(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = takeF64(this.data.length * 2);
      bigger.set(this.data);
      giveF64(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
  /** The buffer goes back to the scratch list: the list is not used after. */
  done(): void {
    giveF64(this.data);
  }
}

/** The first domain's leaves already read out as runs in iova order (iova page, host pfn, pages). */
export interface LeafRuns {
  length: number;
  iova: ArrayLike<number>;
  pfn: ArrayLike<number>;
  pages: ArrayLike<number>;
}

/**
 * `leaves` and `dmas`, when the caller has already read the first domain's page table out as runs and the
 * vfio_dma entries into columns, save reading them again (the inspector has both: for a 1 TiB guest the
 * leaves are half a million, and a jump among 10,000 mappings spent most of this function re-reading the
 * vfio_dma objects).
 */
export function hostPinExtents(
  iommu: VfioIommu,
  leaves?: LeafRuns,
  dmas: Table<'iova' | 'pages' | 'flags' | 'vfioPfns'> = dmaColumns(iommu.dmaList),
): PinExtents {
  // Each pinned run adds +1 at its first frame and −1 after its last; a sweep of both, in order, counts.
  const starts = new Numbers();
  const lengths = new Numbers();
  const first = iommu.firstDomain;
  if (first) {
    // The part of a leaf inside the vfio_dma being read ([dmaLo, dmaEnd)), unless every frame of it is
    // reserved.
    let dmaLo = 0;
    let dmaEnd = 0;
    const each = (iovaPfn: number, physPfn: number, pages: number) => {
      const lo = Math.max(iovaPfn, dmaLo);
      const n = Math.min(iovaPfn + pages, dmaEnd) - lo;
      const pfn = physPfn + (lo - iovaPfn);
      if (iommu.memory.countReserved(pfn, n) < n) {
        starts.push(pfn);
        lengths.push(n);
      }
    };
    // vfio_dma and leaves both in iova order: each search starts where the last one ended.
    let at = 0;
    const { iova, pages, flags } = dmas.cols;
    for (let k = 0; k < dmas.length; k++) {
      if (!(flags[k]! & DMA_IOMMU_MAPPED)) continue;
      dmaLo = iova[k]!;
      dmaEnd = dmaLo + pages[k]!;
      if (!leaves) {
        first.forEachLeaf(dmaLo, dmaEnd, each);
        continue;
      }
      at = firstEndingAfter(leaves.iova, leaves.pages, leaves.length, dmaLo, at);
      for (let i = at; i < leaves.length && leaves.iova[i]! < dmaEnd; i++) {
        const iovaPfn = leaves.iova[i]!;
        const lo = Math.max(iovaPfn, dmaLo);
        const n = Math.min(iovaPfn + leaves.pages[i]!, dmaEnd) - lo;
        const pfn = leaves.pfn[i]! + (lo - iovaPfn);
        const reserved = iommu.memory.countReserved(pfn, n);
        if (reserved === 0) {
          starts.push(pfn);
          lengths.push(n);
        } else if (reserved < n) {
          // A run the inspector merged across reserved and ordinary frames is judged leaf by leaf.
          first.forEachLeaf(lo, lo + n, each);
        }
      }
    }
  }
  for (let k = 0; k < dmas.length; k++) {
    if (dmas.cols.vfioPfns[k] === 0) continue;
    for (const v of iommu.dmaList.items[k]!.pfnList.values()) {
      if (v.reserved) continue;
      starts.push(v.pfn);
      lengths.push(1);
    }
  }
  const s = starts.view();
  const len = lengths.view();
  sortPairs(s, len);
  // Runs that do not overlap (every frame pinned once, the usual case) end in the order they start.
  const ends = takeF64(s.length);
  const e = ends.subarray(0, s.length);
  let disjoint = true;
  for (let k = 0; k < s.length; k++) {
    e[k] = s[k]! + len[k]!;
    if (k + 1 < s.length && e[k]! > s[k + 1]!) disjoint = false;
  }
  if (!disjoint) sortIntegers(e);
  const out = { pfn: new Numbers(), npages: new Numbers(), pins: new Numbers() };
  let pins = 0;
  let at = 0;
  let i = 0;
  let j = 0;
  while (i < s.length || j < e.length) {
    // Ends before starts at the same frame: the order does not change any run, only where it is cut.
    const isEnd = j < e.length && (i >= s.length || e[j]! <= s[i]!);
    const pfn = isEnd ? e[j++]! : s[i++]!;
    if (pins > 0 && pfn > at) {
      const k = out.pins.length - 1;
      if (k >= 0 && out.pfn.data[k]! + out.npages.data[k]! === at && out.pins.data[k] === pins)
        out.npages.data[k]! += pfn - at;
      else {
        out.pfn.push(at);
        out.npages.push(pfn - at);
        out.pins.push(pins);
      }
    }
    pins += isEnd ? -1 : 1;
    at = pfn;
  }
  const n = out.pins.length;
  const extents = {
    length: n,
    pfn: keptCopy(out.pfn.data, n),
    npages: keptCopy(out.npages.data, n),
    pins: keptCopy(out.pins.data, n),
  };
  for (const list of [starts, lengths, out.pfn, out.npages, out.pins]) list.done();
  giveF64(ends);
  return extents;
}

export function hostPinTotals(iommu: VfioIommu): { pages: number; pins: number } {
  const x = hostPinExtents(iommu);
  let pages = 0;
  let pins = 0;
  for (let i = 0; i < x.length; i++) {
    pages += x.npages[i]!;
    pins += x.npages[i]! * x.pins[i]!;
  }
  return { pages, pins };
}
