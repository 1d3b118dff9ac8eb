// What every vGPU vendor model offers the generic ops and the comparison: map and unmap one guest page,
// and the costs of the step just done. KVMGT (what Linux shipped) and the 2016 designs both implement it.

import type { Errno } from '../errno';
import type { VfioIommu } from '../vfio/iommu';
import type { StepCounters } from './tracking/driver';

export interface VgpuDriver {
  beginStep(): void;
  vgpuMap(iommu: VfioIommu, gfn: number): { ret: 0 | Errno; dmaAddr: number | null };
  vgpuUnmap(iommu: VfioIommu, gfn: number): 0 | Errno;
  readonly step: StepCounters;
  readonly entries: number;
  trackingSlabBytes(): number;
}
