// The simplest vendor drivers behind an emulated group: how they answer type1's DMA-unmap callback
// (vfio_device_ops.dma_unmap ≥6.0, the VFIO_IOMMU_NOTIFY_DMA_UNMAP notifier before). A well-behaved
// vendor unpins every page it pinned in the range (as KVMGT's intel_vgpu_dma_unmap does); a broken one
// ignores the call and type1 eventually hits BUG_ON.

import type { VendorDriver, VfioDevice, VfioIommu } from '../vfio/iommu';
import { vfioUnpinPages } from '../vfio/external';

export const unpinAllInRange: VendorDriver = {
  dmaUnmap(iommu: VfioIommu, _device: VfioDevice, iovaPfn: number, npages: number): void {
    for (const dma of iommu.dmaList.overlapping(iovaPfn, iovaPfn + npages)) {
      const pinned = [...dma.pfnList.values()]
        .filter((v) => v.iovaPfn >= iovaPfn && v.iovaPfn < iovaPfn + npages)
        .sort((a, b) => a.iovaPfn - b.iovaPfn);
      for (const v of pinned) for (let r = v.refCount; r > 0; r--) vfioUnpinPages(iommu, v.iovaPfn, 1);
    }
  },
};

export const ignoreUnmap: VendorDriver = {
  dmaUnmap(): void {},
};

export function vendorForPolicy(policy: 'unpin_all_in_range' | 'ignore'): VendorDriver {
  return policy === 'ignore' ? ignoreUnmap : unpinAllInRange;
}
