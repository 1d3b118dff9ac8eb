// KVMGT, the vGPU driver Linux shipped: drivers/gpu/drm/i915/gvt/kvmgt.c (≥5.18 names). The gvt_dma
// cache (gfn_cache and dma_addr_cache rb-trees, kref per entry, 4 KiB or 2 MiB entries),
// gvt_pin_guest_page (one vfio_pin_pages per 4 KiB page, pages must be physically consecutive),
// gvt_dma_map_page / gvt_dma_unmap_page, intel_gvt_dma_map_guest_page,
// intel_gvt_dma_unmap_guest_page and intel_vgpu_dma_unmap (type1's dma_unmap callback).

import type { WorkBudget } from '../budget';
import type { Errno } from '../errno';
import { depth, missVisits, next, RbTree, rbNode, rekey, type RbNode } from '../lib/rbtree';
import type { Profile } from '../profile';
import { pinCaller, vfioPinPagesPfn, vfioUnpinPages } from '../vfio/external';
import type { VendorDriver, VfioDevice, VfioIommu } from '../vfio/iommu';
import { IOMMU_READ, IOMMU_WRITE } from '../iommu/types';
import { DmaIommuDevice } from './dma-iommu';
import { iovaPfnOfGfn, newStepCounters, type StepCounters } from './vgpu';
import { STRUCTS } from './tracking/structs';

/** struct gvt_dma. dmaAddr is a byte address (below 2^52, exact as a number). */
export interface GvtDma {
  gfn: number;
  dmaAddr: number;
  /** Bytes: 4 KiB or 2 MiB. */
  size: number;
  kref: number;
  gfnNode: RbNode;
  dmaAddrNode: RbNode;
}

export type HostIommu = 'off' | 'dma';

export interface KvmgtMapResult {
  ret: 0 | Errno;
  dmaAddr: number | null;
  kref: number | null;
}

export class Kvmgt implements VendorDriver {
  readonly gfnCache = new RbTree();
  /** Keyed by dma_addr >> PAGE_SHIFT: dma_addr is page aligned, so the order and the walk are the kernel's, and the key stays a small integer. */
  readonly dmaAddrCache = new RbTree();
  nrCacheEntries = 0;
  private readonly freeEntries: GvtDma[] = [];
  step: StepCounters = newStepCounters();
  readonly trackingIncludesDmaTables = false;
  /** The GPU's own DMA domain when the host IOMMU translates it (dma_addr = allocated iova). */
  readonly dma: DmaIommuDevice | null;

  constructor(
    readonly hostIommu: HostIommu,
    profile: Profile,
    budget: WorkBudget,
  ) {
    this.dma = hostIommu === 'dma' ? new DmaIommuDevice(profile, budget) : null;
  }

  beginStep(): void {
    this.step = newStepCounters();
  }

  get entries(): number {
    return this.nrCacheEntries;
  }

  /** One struct gvt_dma (kmalloc-96) per cached entry; the DMA domain's tables are the IOMMU's cost (dmaCosts). */
  trackingSlabBytes(): number {
    return this.nrCacheEntries * STRUCTS.gvtDma.slab;
  }

  trackingSizeofBytes(): number {
    return this.nrCacheEntries * STRUCTS.gvtDma.sizeof;
  }

  /** The generic vGPU ops: intel_gvt_dma_map_guest_page(gfn, PAGE_SIZE or I915_GTT_PAGE_SIZE_2M). */
  vgpuMap(iommu: VfioIommu, gfn: number, pages = 1): { ret: 0 | Errno; dmaAddr: number | null } {
    const r = this.mapGuestPage(iommu, gfn, pages * 4096);
    return { ret: r.ret, dmaAddr: r.dmaAddr };
  }

  /**
   * The generic unmap: intel_gvt_dma_unmap_guest_page of the dma_addr the device was given (the entry's
   * size is the entry's), or of the entry cached for gfn when only the gfn is known.
   */
  vgpuUnmap(iommu: VfioIommu, gfn: number, _pages?: number, dmaAddr?: number): 0 | Errno {
    // GVT invalidates a shadow PTE by the dma_addr it holds; given only a gfn, find that first.
    if (dmaAddr === undefined) {
      const entry = this.findGfn(gfn);
      if (!entry) return iommu.trace.fail('-EINVAL', 'that guest page is not in the gvt_dma cache');
      dmaAddr = entry.dmaAddr;
    }
    this.unmapGuestPage(iommu, dmaAddr);
    return 0;
  }

  /** intel_gvt_dma_map_guest_page. */
  mapGuestPage(iommu: VfioIommu, gfn: number, size: number): KvmgtMapResult {
    const t = iommu.trace;
    t.path.push('intel_gvt_dma_map_guest_page');
    if (!this.attached(iommu))
      return { ret: t.fail('-EINVAL', 'the vGPU is not attached (device not open)'), dmaAddr: null, kref: null };
    const entry = this.findGfn(gfn);
    if (entry && entry.size === size) {
      entry.kref++;
      return { ret: 0, dmaAddr: entry.dmaAddr, kref: entry.kref };
    }
    if (entry) {
      // The same gfn with a different size: unmap and re-map.
      this.dmaUnmapPage(iommu, entry.gfn, entry.dmaAddr, entry.size);
      this.removeEntry(entry);
    }
    const dmaPfn = this.dmaMapPage(iommu, gfn, size);
    if (typeof dmaPfn === 'string') return { ret: dmaPfn, dmaAddr: null, kref: null };
    const added = this.addEntry(gfn, dmaPfn, size);
    return { ret: 0, dmaAddr: added.dmaAddr, kref: added.kref };
  }

  /** intel_gvt_dma_unmap_guest_page: kref_put; at zero unmap, unpin and drop the entry. Returns the kref left. */
  unmapGuestPage(iommu: VfioIommu, dmaAddr: number): number | null {
    iommu.trace.path.push('intel_gvt_dma_unmap_guest_page');
    if (!this.attached(iommu)) return null;
    const node = this.dmaAddrCache.find(dmaAddr / 4096);
    this.step.lookupVisits += this.dmaAddrCache.lastVisits;
    const entry = node && node.lo * 4096 === dmaAddr ? (node.data as GvtDma) : undefined;
    if (!entry) return null;
    if (--entry.kref > 0) return entry.kref;
    this.dmaUnmapPage(iommu, entry.gfn, entry.dmaAddr, entry.size);
    this.removeEntry(entry);
    return null;
  }

  /**
   * intel_vgpu_dma_unmap: __gvt_cache_find_gfn for every page of the range, and every entry found goes,
   * whatever its kref. The lookups are counted as that loop makes them (a page without an entry ends its
   * search below the deeper of its neighbours, in the tree as the removals so far have left it), but the
   * model walks only the entries.
   */
  dmaUnmap(iommu: VfioIommu, _device: VfioDevice, iovaPfn: number, npages: number): void {
    iommu.trace.path.push('intel_vgpu_dma_unmap');
    const end = iovaPfn + npages;
    const pred = this.gfnCache.highestBelow(iovaPfn);
    this.step.notifierLookups += npages;
    let at = iovaPfn;
    for (let n = this.gfnCache.lowestEndingAtOrAbove(iovaPfn); ;) {
      const stop = n && n.lo < end ? n.lo : end;
      this.step.notifierVisits += (stop - at) * missVisits(pred, n);
      if (!n || n.lo >= end) return;
      this.step.notifierVisits += depth(n) + 1;
      const entry = n.data as GvtDma;
      n = next(n);
      this.dmaUnmapPage(iommu, entry.gfn, entry.dmaAddr, entry.size);
      this.removeEntry(entry);
      at = entry.gfn + 1;
    }
  }

  findGfn(gfn: number): GvtDma | undefined {
    const node = this.gfnCache.find(gfn);
    this.step.lookupVisits += this.gfnCache.lastVisits;
    return node && node.lo === gfn ? (node.data as GvtDma) : undefined;
  }

  private attached(iommu: VfioIommu): boolean {
    const caller = pinCaller(iommu, undefined);
    return caller.group !== undefined && caller.open;
  }

  /** gvt_pin_guest_page + dma_map_page: the DMA page number; -ENOMEM when the DMA mapping fails. */
  private dmaMapPage(iommu: VfioIommu, gfn: number, size: number): number | Errno {
    const pages = Math.ceil(size / 4096);
    const base = this.pinGuestPage(iommu, gfn, pages);
    if (typeof base === 'string') return base;
    if (!this.dma) return base;
    this.step.dmaMapCalls++;
    const maps = this.dma.iommuMaps;
    const iovaPfn = this.dma.mapPage(base, pages);
    this.step.iommuMapCalls += this.dma.iommuMaps - maps;
    if (iovaPfn === null) {
      this.unpinGuestPage(iommu, gfn, pages);
      return iommu.trace.fail('-ENOMEM', 'dma_map_page failed: no iova left below the GPU DMA mask');
    }
    return iovaPfn;
  }

  private dmaUnmapPage(iommu: VfioIommu, gfn: number, dmaAddr: number, size: number): void {
    const pages = Math.ceil(size / 4096);
    this.dma?.unmapPage(dmaAddr / 4096, pages);
    this.unpinGuestPage(iommu, gfn, pages);
  }

  /** gvt_pin_guest_page: one vfio_pin_pages per page; a page not following the first one is -EINVAL. */
  private pinGuestPage(iommu: VfioIommu, gfn: number, pages: number): number | Errno {
    const t = iommu.trace;
    let basePfn = -1;
    for (let n = 0; n < pages; n++) {
      t.type1Pins.push({ iovaPfn: gfn + n, npage: 1 });
      this.step.pins++;
      const r = vfioPinPagesPfn(iommu, pinCaller(iommu, undefined), iovaPfnOfGfn(gfn + n), 1, IOMMU_READ | IOMMU_WRITE);
      if (r.ret !== 1) {
        if (n > 0) this.unpinGuestPage(iommu, gfn, n);
        return typeof r.ret === 'string' ? r.ret : t.fail('-EINVAL', 'vfio_pin_pages did not pin the page');
      }
      const pfn = r.pfns![0]!;
      if (n === 0) basePfn = pfn;
      else if (pfn !== basePfn + n) {
        this.unpinGuestPage(iommu, gfn, n + 1);
        return t.fail(
          '-EINVAL',
          `guest page 0x${(gfn + n).toString(16)} is not physically next to the first one: not one 2 MiB page`,
        );
      }
    }
    return basePfn;
  }

  /** gvt_unpin_guest_page: one vfio_unpin_pages call for the whole range. */
  private unpinGuestPage(iommu: VfioIommu, gfn: number, pages: number): void {
    iommu.trace.type1Unpins.push({ iovaPfn: gfn, npage: pages });
    this.step.unpins++;
    vfioUnpinPages(iommu, iovaPfnOfGfn(gfn), pages);
  }

  private addEntry(gfn: number, dmaPfn: number, size: number): GvtDma {
    // As from the slab, a freed gvt_dma (with its two rb_nodes) is handed out again.
    const entry = this.freeEntries.pop() ?? newEntry();
    entry.gfn = gfn;
    entry.dmaAddr = dmaPfn * 4096;
    entry.size = size;
    entry.kref = 1;
    rekey(entry.gfnNode, gfn, gfn);
    rekey(entry.dmaAddrNode, dmaPfn, dmaPfn);
    // Without a host IOMMU two gfns backed by one host page share a dma_addr: both stay in the cache.
    this.gfnCache.insertEqualRight(entry.gfnNode);
    this.dmaAddrCache.insertEqualRight(entry.dmaAddrNode);
    this.nrCacheEntries++;
    return entry;
  }

  private removeEntry(entry: GvtDma): void {
    this.gfnCache.erase(entry.gfnNode);
    this.dmaAddrCache.erase(entry.dmaAddrNode);
    this.nrCacheEntries--;
    this.freeEntries.push(entry);
  }
}

function newEntry(): GvtDma {
  const entry: GvtDma = { gfn: 0, dmaAddr: 0, size: 0, kref: 0, gfnNode: rbNode(0, 0), dmaAddrNode: rbNode(0, 0) };
  // container_of: each rb_node leads back to its gvt_dma.
  entry.gfnNode.data = entry;
  entry.dmaAddrNode.data = entry;
  return entry;
}
