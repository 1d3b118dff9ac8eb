// The DMA API on a device behind an IOMMU, as drivers/iommu/dma-iommu.c does it for dma_map_page /
// dma_unmap_page: iommu_dma_alloc_iova (the below-4 GiB "SAC" attempt first, then the device's full DMA
// limit with rcache flushing), iommu_map into the device's DMA domain, and the reverse on unmap.
// Unmaps free the iova at once (iommu.strict=1); the default lazy mode frees the same range after the
// flush-queue timeout (≤10 ms), which a step-by-step model has no time for (structs.ts IOVA_FREEING says so).

import type { WorkBudget } from '../budget';
import { IommuDomain } from '../iommu/core';
import { IovaDomain } from '../iommu/iova';
import { IOMMU_CACHE, IOMMU_READ, IOMMU_WRITE, leafTotal } from '../iommu/types';
import { kernel, type Profile } from '../profile';

/** i915's DMA mask on gen8+ (INTEL_INFO()->dma_mask_size = 39). */
export const I915_DMA_MASK_BITS = 39;
const DMA_32BIT_PFN_LIMIT = 2 ** 20 - 1;

export class DmaIommuDevice {
  readonly domain: IommuDomain;
  readonly iovad: IovaDomain;
  /** iommu_map calls made so far (each dma_map_page that got an iova makes one). */
  iommuMaps = 0;
  /** dev->iommu->pci_32bit_workaround. */
  private sacWorks = true;
  private readonly limitPfn: number;

  constructor(
    readonly profile: Profile,
    budget: WorkBudget,
  ) {
    this.domain = new IommuDomain(
      'igd-dma',
      { levels: 4, gawBits: 48, superpageSupport: 2, snoopControl: false },
      profile,
      budget,
      -1,
    );
    // iommu_dma_init_domain: base_pfn = max(1, aperture_start >> shift), so iova 0 is never handed out.
    this.iovad = new IovaDomain(4096, 1, profile, 1, budget);
    this.limitPfn = 2 ** (I915_DMA_MASK_BITS - 12) - 1;
  }

  /** dma_map_page of `pages` pages at host pfn `pfn`; returns the iova page number, or null (DMA_MAPPING_ERROR). */
  mapPage(pfn: number, pages: number): number | null {
    const iovaPfn = this.allocIova(pages);
    if (iovaPfn === 0) return null;
    this.iommuMaps++;
    if (this.domain.map(iovaPfn, pfn, pages, IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE) !== 0) {
      this.iovad.freeIovaFast(iovaPfn, pages);
      return null;
    }
    return iovaPfn;
  }

  /** dma_unmap_page: iommu_unmap, then the iova goes back (rcache or tree). */
  unmapPage(iovaPfn: number, pages: number): void {
    this.domain.unmap(iovaPfn, pages);
    this.iovad.freeIovaFast(iovaPfn, pages);
  }

  /** The domain's VT-d table pages in use (the top-level table included), 4 KiB each. */
  tableBytes(): number {
    const t = this.domain.table;
    return (t.tablesAllocated - t.tablesFreed + 1) * 4096;
  }

  /** Leaf PTEs in the domain, all sizes. */
  ptes(): number {
    const c = this.domain.leafCounts();
    return leafTotal(c);
  }

  /** iommu_dma_alloc_iova. */
  private allocIova(pages: number): number {
    if (this.sacWorks) {
      const sac = this.iovad.allocIovaFast(pages, DMA_32BIT_PFN_LIMIT, false);
      if (sac.pfn) return sac.pfn;
      if (kernel.dmaIommuSacOneShot(this.profile)) this.sacWorks = false;
    }
    return this.iovad.allocIovaFast(pages, this.limitPfn, true).pfn;
  }
}
