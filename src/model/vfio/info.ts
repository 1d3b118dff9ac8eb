// VFIO_IOMMU_GET_INFO and VFIO_CHECK_EXTENSION of drivers/vfio/vfio_iommu_type1.c:
// vfio_iommu_type1_get_info with its capability chain (vfio_iommu_migration_build_caps,
// vfio_iommu_dma_avail_build_caps, vfio_iommu_iova_build_caps; vfio_info_cap_add in vfio_main.c), and
// vfio_iommu_type1_check_extension.

import type { Errno } from '../errno';
import { kernel } from '../profile';
import { DIRTY_BITMAP_SIZE_MAX } from './dirty';
import { lowestBit, type VfioIommu } from './iommu';

export interface InfoCap {
  name: 'IOVA_RANGE(id1)' | 'MIGRATION(id2)' | 'DMA_AVAIL(id3)';
  size: number;
  body: Record<string, unknown>;
}

export interface GetInfoResult {
  ret: 0 | Errno;
  flags?: number;
  iovaPgsizes?: bigint;
  capOffset?: number;
  argszOut?: number;
  caps?: InfoCap[];
  chain?: Array<{ name: string; offset: number }>;
}

const INFO_SIZE = 24;

export function vfioIommuType1GetInfo(iommu: VfioIommu, argsz: number): GetInfoResult {
  const p = iommu.profile;
  const t = iommu.trace;
  t.path.push('vfio_iommu_type1_get_info');
  if (argsz < 16)
    return { ret: t.fail('-EINVAL', `argsz ${argsz} < 16 (offsetofend(struct vfio_iommu_type1_info, iova_pgsizes))`) };
  let flags = 1;
  const caps: InfoCap[] = [];
  if (kernel.hasInfoCaps(p)) {
    if (kernel.hasDirtyTracking(p)) {
      caps.push({
        name: 'MIGRATION(id2)',
        size: 32,
        body: { flags: 0, pgsize_bitmap: lowestBit(iommu.pgsizeBitmap), max_dirty_bitmap_size: DIRTY_BITMAP_SIZE_MAX },
      });
    }
    if (kernel.hasDmaAvailCap(p)) caps.push({ name: 'DMA_AVAIL(id3)', size: 12, body: { avail: iommu.dmaAvail } });
    if (iommu.iovaList.length > 0) {
      caps.push({
        name: 'IOVA_RANGE(id1)',
        size: 16 + 16 * iommu.iovaList.length,
        body: { nr_iovas: iommu.iovaList.length, ranges: iommu.iovaList.map(([a, b]) => [a, b]) },
      });
    }
  }
  const align = kernel.infoCapsAligned(p);
  const chain: Array<{ name: string; offset: number }> = [];
  let capsSize = 0;
  for (const c of caps) {
    chain.push({ name: c.name, offset: INFO_SIZE + capsSize });
    capsSize += align ? Math.ceil(c.size / 8) * 8 : c.size;
  }
  let argszOut = argsz;
  let capOffset = 0;
  if (capsSize > 0) {
    flags |= 2;
    if (argsz < INFO_SIZE + capsSize) argszOut = INFO_SIZE + capsSize;
    else capOffset = INFO_SIZE;
  }
  // Only min(argsz, sizeof(info)) bytes are copied back: cap_offset is seen from argsz 20 on.
  return {
    ret: 0,
    flags,
    iovaPgsizes: iommu.pgsizeBitmap,
    ...(argsz >= 20 ? { capOffset } : {}),
    argszOut,
    caps: capOffset ? caps : [],
    chain: capOffset ? chain : [],
  };
}

export const EXTENSIONS: Record<string, number> = {
  VFIO_TYPE1_IOMMU: 1,
  VFIO_SPAPR_TCE_IOMMU: 2,
  VFIO_TYPE1v2_IOMMU: 3,
  VFIO_DMA_CC_IOMMU: 4,
  VFIO_EEH: 5,
  VFIO_TYPE1_NESTING_IOMMU: 6,
  VFIO_SPAPR_TCE_v2_IOMMU: 7,
  VFIO_NOIOMMU_IOMMU: 8,
  VFIO_UNMAP_ALL: 9,
  VFIO_UPDATE_VADDR: 10,
};

/** vfio_iommu_type1_check_extension on an open container. */
export function vfioIommuType1CheckExtension(iommu: VfioIommu, ext: number): number {
  const p = iommu.profile;
  iommu.trace.path.push('vfio_iommu_type1_check_extension');
  switch (ext) {
    case 1:
    case 3:
      return 1;
    case 6:
      return kernel.advertisesNesting(p) ? 1 : 0;
    case 9:
      return kernel.hasVaddrAndUnmapAll(p) ? 1 : 0;
    case 10:
      if (!kernel.hasVaddrAndUnmapAll(p)) return 0;
      return kernel.hasVaddrBusy(p) && iommu.emulatedGroups.length > 0 ? 0 : 1;
    case 4:
      return iommu.domains.every((d) => d.enforceCacheCoherency) ? 1 : 0;
    default:
      return 0;
  }
}
