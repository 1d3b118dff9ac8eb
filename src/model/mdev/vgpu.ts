// What every vGPU vendor model offers the generic ops and the comparison: map and unmap one guest page,
// and the costs of the step just done. KVMGT (what Linux shipped) and the 2016 designs both implement it.

import type { IovaPfn } from '../addr';
import type { Errno } from '../errno';
import { STRUCTS } from './tracking/structs';
import type { VfioIommu } from '../vfio/iommu';
import type { DmaIommuDevice } from './dma-iommu';

/**
 * The iova a vendor driver pins a guest page by: QEMU maps guest RAM at iova == gpa, so a vGPU driver
 * passes gfn << PAGE_SHIFT to vfio_pin_pages (kvmgt.c does exactly this).
 */
export function iovaPfnOfGfn(gfn: number): IovaPfn {
  return gfn as IovaPfn;
}

/** What the vendor did during one access or one step. */
export interface StepCounters {
  pins: number;
  unpins: number;
  dmaMapCalls: number;
  iommuMapCalls: number;
  /** Nodes or levels visited by the map path's lookups. */
  lookupVisits: number;
  /** Lookups and nodes visited by the dma_unmap callback (type1's notification of an UNMAP_DMA). */
  notifierLookups: number;
  notifierVisits: number;
}

export function newStepCounters(): StepCounters {
  return {
    pins: 0,
    unpins: 0,
    dmaMapCalls: 0,
    iommuMapCalls: 0,
    lookupVisits: 0,
    notifierLookups: 0,
    notifierVisits: 0,
  };
}

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
  /** Whether the DMA domain's table pages are already in trackingSlabBytes (the iova-range design). */
  readonly trackingIncludesDmaTables: boolean;
}

/** type1's struct vfio_pfn for every page pinned through vfio_pin_pages, across the container. */
export function vfioPfnCosts(iommu: VfioIommu): {
  vfio_pfns: number;
  vfio_pfn_bytes: number;
  vfio_pfn_sizeof_bytes: number;
} {
  let n = 0;
  for (const d of iommu.dmaList.items) n += d.pfnList.size;
  return { vfio_pfns: n, vfio_pfn_bytes: n * STRUCTS.vfioPfn.slab, vfio_pfn_sizeof_bytes: n * STRUCTS.vfioPfn.sizeof };
}

/**
 * Everything the kernel holds for the vGPU's DMA: the vendor's tracking, type1's vfio_pfn objects and the
 * GPU DMA domain's table pages (slab bytes).
 */
export function totalBytes(iommu: VfioIommu, v: VgpuDriver): number {
  const tables = v.dma && !v.trackingIncludesDmaTables ? v.dma.tableBytes() : 0;
  return v.trackingSlabBytes() + vfioPfnCosts(iommu).vfio_pfn_bytes + tables;
}

/** What the GPU's DMA domain holds: leaf PTEs and table pages (none when the host IOMMU is off). */
export function dmaCosts(v: VgpuDriver): { iommu_ptes: number; iommu_table_bytes: number } {
  return v.dma
    ? { iommu_ptes: v.dma.ptes(), iommu_table_bytes: v.dma.tableBytes() }
    : { iommu_ptes: 0, iommu_table_bytes: 0 };
}
