// One running simulation: the QEMU process, its VFIO container and the optional iova.c domain, built
// from a case's environment. The same object runs in Node and in the Web Worker.

import type { WorkBudget } from '../budget';
import type { ProcessMemory } from '../host/memory';
import type { Mm } from '../host/mm';
import type { IovaDomain } from '../iommu/iova';
import type { Profile } from '../profile';
import type { Kvmgt } from '../mdev/kvmgt';
import type { TrackingVendor } from '../mdev/tracking/driver';
import type { VfioIommu } from '../vfio/iommu';

export interface Sim {
  profile: Profile;
  budget: WorkBudget;
  memory: ProcessMemory;
  mm: Mm;
  iommu: VfioIommu;
  iovad: IovaDomain | null;
  /** env.vendor: the driver behind the emulated groups, answering type1's dma_unmap callback. */
  kvmgt: Kvmgt | null;
  /** env.vendor of kind "tracking": one of the 2016 designs. */
  tracking: TrackingVendor | null;
}
