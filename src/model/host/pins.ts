// Host frames and their pin counts (the page refcount pins of mm/gup.c), derived on demand the way
// type1 itself derives them: one pin per page mapped by an IOMMU-backed vfio_dma (read back from the
// first domain, as vfio_unmap_unpin does) plus one per vfio_pfn. Reserved frames are never pinned.

import type { VfioIommu } from '../vfio/iommu';

export interface PinExtent {
  pfn: number;
  npages: number;
  pins: number;
}

/** Sorted, merged extents of host frames with at least one pin. */
export function hostPinExtents(iommu: VfioIommu): PinExtent[] {
  const edges: number[] = [];
  const first = iommu.firstDomain;
  if (first) {
    for (const dma of iommu.dmaList.items) {
      if (!dma.iommuMapped) continue;
      first.forEachLeaf(dma.iovaPfn, dma.endPfn, (iovaPfn, physPfn, pages) => {
        const lo = Math.max(iovaPfn, dma.iovaPfn);
        const n = Math.min(iovaPfn + pages, dma.endPfn) - lo;
        const pfn = physPfn + (lo - iovaPfn);
        if (iommu.memory.countReserved(pfn, n) < n) edges.push(pfn, 1, pfn + n, -1);
      });
    }
  }
  for (const dma of iommu.dmaList.items) {
    for (const v of dma.pfnList.values()) if (!v.reserved) edges.push(v.pfn, 1, v.pfn + 1, -1);
  }
  const order: number[] = [];
  for (let i = 0; i < edges.length; i += 2) order.push(i);
  order.sort((a, b) => edges[a]! - edges[b]!);
  const out: PinExtent[] = [];
  let pins = 0;
  let at = 0;
  for (const i of order) {
    const pfn = edges[i]!;
    if (pins > 0 && pfn > at) {
      const last = out[out.length - 1];
      if (last && last.pfn + last.npages === at && last.pins === pins) last.npages += pfn - at;
      else out.push({ pfn: at, npages: pfn - at, pins });
    }
    pins += edges[i + 1]!;
    at = pfn;
  }
  return out;
}

export function hostPinTotals(iommu: VfioIommu): { pages: number; pins: number } {
  let pages = 0;
  let pins = 0;
  for (const e of hostPinExtents(iommu)) {
    pages += e.npages;
    pins += e.npages * e.pins;
  }
  return { pages, pins };
}
