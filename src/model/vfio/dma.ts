// struct vfio_dma and struct vfio_pfn, and the dma_list lookups of drivers/vfio/vfio_iommu_type1.c:
// vfio_find_dma, vfio_find_dma_first_node, vfio_link_dma, vfio_unlink_dma, vfio_find_vpfn.
// dma_list is kept as an iova-sorted array searched by bisection: the same answers as the rb-tree,
// since mappings never overlap.

import type { Mm } from '../host/mm';
import { RbTree, rbNode, type RbNode } from '../lib/rbtree';
import { TableBuilder, type Table } from '../lib/table';
import { PfnList } from './pfn-list';

/** Flags of a vfio_dma row: mapped through the IOMMU, vaddr invalidated (VFIO_DMA_UNMAP_FLAG_VADDR). */
export const DMA_IOMMU_MAPPED = 1;
export const DMA_VADDR_INVALID = 2;

/**
 * dma_list as columns, in list (iova) order: iova page, pages, vaddr page, prot, flags, vfio_pfn count.
 * Readers that pass over every entry read these instead: the entries are thousands of objects across the
 * heap, and each pass over them costs about a millisecond among 9,000.
 */
export function dmaColumns(list: DmaList): Table<'iova' | 'pages' | 'vpfn' | 'prot' | 'flags' | 'vfioPfns'> {
  const rows = new TableBuilder(
    ['iova', 'pages', 'vpfn', 'prot', 'flags', 'vfioPfns'] as const,
    Math.max(1, list.size),
  );
  for (const d of list.items)
    rows.push(
      d.iovaPfn,
      d.sizePages,
      d.vaddrPfn,
      d.prot,
      (d.iommuMapped ? DMA_IOMMU_MAPPED : 0) | (d.vaddrInvalid ? DMA_VADDR_INVALID : 0),
      d.pfnList.size,
    );
  return rows.build();
}

export class VfioDma {
  /** dma->size in pages; grows chunk by chunk while vfio_pin_map_dma runs. */
  sizePages = 0;
  iommuMapped = false;
  vaddrInvalid = false;
  /** Pages currently charged to mm (dma->locked_vm, ≥6.3). */
  lockedVm = 0;
  readonly pfnList = new PfnList();
  /** dma->node: its place in iommu->dma_list, an rb-tree keyed by iova. */
  readonly node: RbNode;
  /** Dirty bitmap, one bit per smallest page, with the kernel's extra u64 of slack. */
  bitmap: Uint8Array | null = null;

  constructor(
    readonly iovaPfn: number,
    public vaddrPfn: number,
    readonly prot: number,
    public lockCap: boolean,
    public mm: Mm,
  ) {
    this.node = rbNode(iovaPfn, iovaPfn, this);
  }

  get endPfn(): number {
    return this.iovaPfn + this.sizePages;
  }
}

/**
 * iommu->dma_list. Lookups bisect a sorted array; the rb-tree beside it is the kernel's shape (the same
 * insertions and erasures in the same order), kept for whoever draws it.
 */
export class DmaList {
  readonly items: VfioDma[] = [];
  readonly tree = new RbTree();

  get size(): number {
    return this.items.length;
  }

  /**
   * vfio_find_dma(start, size): a mapping overlapping [start, start+size) pages. The kernel's size-0
   * probe of the last byte (v2 unmap) is the one-page probe of the last page here.
   */
  findDma(startPfn: number, pages: number): VfioDma | undefined {
    const d = this.items[this.firstIndexEndingAfter(startPfn)];
    return d && d.iovaPfn < startPfn + pages ? d : undefined;
  }

  /** vfio_find_dma_first_node: index of the lowest mapping overlapping the range, or -1. */
  findDmaFirstIndex(startPfn: number, endPfn: number): number {
    const i = this.firstIndexEndingAfter(startPfn);
    const d = this.items[i];
    return d && d.iovaPfn < endPfn ? i : -1;
  }

  link(dma: VfioDma): void {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.items[mid]!.iovaPfn < dma.iovaPfn) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, dma);
    this.tree.insert(dma.node);
  }

  unlink(dma: VfioDma): void {
    const i = this.items.indexOf(dma);
    if (i < 0) return;
    this.items.splice(i, 1);
    this.tree.erase(dma.node);
  }

  /** Mappings overlapping [startPfn, endPfn), in iova order. */
  overlapping(startPfn: number, endPfn: number): VfioDma[] {
    const out: VfioDma[] = [];
    for (let i = this.firstIndexEndingAfter(startPfn); i < this.items.length; i++) {
      const d = this.items[i]!;
      if (d.iovaPfn >= endPfn) break;
      out.push(d);
    }
    return out;
  }

  /** First index whose mapping ends after pfn; a zero-sized mapping being built is never found, as in the kernel. */
  private firstIndexEndingAfter(pfn: number): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.items[mid]!.endPfn <= pfn) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
