// What every vGPU vendor model offers the generic ops and the comparison: map and unmap one guest page,
// and the costs of the step just done. KVMGT (what Linux shipped) and the 2016 designs both implement it.

import type { Errno } from '../errno';
import type { VfioIommu } from '../vfio/iommu';
import type { DmaIommuDevice } from './dma-iommu';
import type { StepCounters } from './tracking/driver';

export interface VgpuDriver {
  beginStep(): void;
  /** Map `pages` guest pages from gfn: 1 (4 KiB) or 512 (a 2 MiB page). */
  vgpuMap(iommu: VfioIommu, gfn: number, pages?: number): { ret: 0 | Errno; dmaAddr: number | null };
  /** Unmap what vgpuMap mapped at gfn; `dmaAddr` is the address it returned, as a device holds it. */
  vgpuUnmap(iommu: VfioIommu, gfn: number, pages?: number, dmaAddr?: number): 0 | Errno;
  readonly step: StepCounters;
  readonly entries: number;
  /** The GPU's DMA domain when the host IOMMU translates it; null when dma_addr is the host physical address. */
  readonly dma: DmaIommuDevice | null;
  /** Tracking memory as the slab allocator hands it out (each object rounded up to its cache's size). */
  trackingSlabBytes(): number;
  /** The same structures counted by sizeof on x86-64. */
  trackingSizeofBytes(): number;
}

/** What the GPU's DMA domain holds: leaf PTEs and table pages (none when the host IOMMU is off). */
export function dmaCosts(v: VgpuDriver): { iommu_ptes: number; iommu_table_bytes: number } {
  return v.dma
    ? { iommu_ptes: v.dma.ptes(), iommu_table_bytes: v.dma.tableBytes() }
    : { iommu_ptes: 0, iommu_table_bytes: 0 };
}
