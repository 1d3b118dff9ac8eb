// KVMGT's gvt_dma cache worked out from the calls made to it alone, for the vendor property test, from
// drivers/gpu/drm/i915/gvt/kvmgt.c (intel_gvt_dma_map_guest_page, intel_gvt_dma_unmap_guest_page,
// intel_vgpu_dma_unmap): one entry per cached gfn with its size, its dma_addr and its kref, the maps of it
// not yet put. Without a host IOMMU two gfns backed by one host page share a dma_addr, and an unmap puts
// the entry that __gvt_cache_find_dma_addr meets first; which one that is depends on the shape of
// dma_addr_cache, so the entries are also linked, in the kernel's order, into a tree of their own built
// with lib/rbtree (tested on its own) as __gvt_cache_add links them: equal keys to the right.

import { RbTree, rbNode, type RbNode } from '../model/lib/rbtree';

export interface RefGvtDma {
  gfn: number;
  pages: number;
  dmaPfn: number;
  kref: number;
  node: RbNode;
}

export class ReferenceKvmgt {
  private readonly byGfn = new Map<number, RefGvtDma>();
  private readonly byDmaAddr = new RbTree();

  get size(): number {
    return this.byGfn.size;
  }

  find(gfn: number): RefGvtDma | undefined {
    return this.byGfn.get(gfn);
  }

  /**
   * intel_gvt_dma_map_guest_page up to the pin: an entry of the same size is `kept` with its kref taken;
   * an entry of another size is `dropped` (unmapped and unpinned) before the page is pinned and mapped.
   */
  map(gfn: number, pages: number): { kept: RefGvtDma | null; dropped: RefGvtDma | null } {
    const e = this.byGfn.get(gfn);
    if (e && e.pages === pages) {
      e.kref++;
      return { kept: e, dropped: null };
    }
    if (e) this.remove(e);
    return { kept: null, dropped: e ?? null };
  }

  /** __gvt_cache_add, once the map has pinned the pages and mapped them at dmaPfn. */
  add(gfn: number, pages: number, dmaPfn: number): RefGvtDma {
    const e: RefGvtDma = { gfn, pages, dmaPfn, kref: 1, node: rbNode(dmaPfn, dmaPfn) };
    e.node.data = e;
    this.byGfn.set(gfn, e);
    this.byDmaAddr.insertEqualRight(e.node);
    return e;
  }

  /** intel_gvt_dma_unmap_guest_page: the entry put (gone if that was its last kref), or null when none has that dma_addr. */
  put(dmaPfn: number): RefGvtDma | null {
    const e = this.byDmaAddr.find(dmaPfn)?.data as RefGvtDma | undefined;
    if (!e) return null;
    if (--e.kref === 0) this.remove(e);
    return e;
  }

  /** intel_vgpu_dma_unmap: every entry whose gfn is in the range goes, lowest gfn first, whatever its kref. */
  dmaUnmap(from: number, pages: number): void {
    const gone = [...this.byGfn.values()].filter((e) => e.gfn >= from && e.gfn < from + pages);
    for (const e of gone.sort((a, b) => a.gfn - b.gfn)) this.remove(e);
  }

  /** Whether a live entry other than `e` has DMA pages in common with it (distinct with a host IOMMU). */
  overlapsDmaOf(e: RefGvtDma): boolean {
    for (const o of this.byGfn.values())
      if (o !== e && o.dmaPfn < e.dmaPfn + e.pages && e.dmaPfn < o.dmaPfn + o.pages) return true;
    return false;
  }

  /** [iova page, ref_count] of every page type1's pfn_list must hold: each entry pinned each of its pages once. */
  pins(): Array<[number, number]> {
    const refs = new Map<number, number>();
    for (const e of this.byGfn.values())
      for (let k = 0; k < e.pages; k++) refs.set(e.gfn + k, (refs.get(e.gfn + k) ?? 0) + 1);
    return [...refs].sort((a, b) => a[0] - b[0]);
  }

  private remove(e: RefGvtDma): void {
    this.byGfn.delete(e.gfn);
    this.byDmaAddr.erase(e.node);
  }
}
