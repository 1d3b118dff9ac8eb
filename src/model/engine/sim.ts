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

/** A KVM memslot as QEMU registers it: guest pages [gfn, gfn + pages) at QEMU's vaddr page vpfn. */
export interface Memslot {
  gfn: number;
  pages: number;
  vpfn: number;
}

/** A step whose caller sleeps in vfio_wait (5.12–6.2): it runs again each time a later step wakes it. */
export interface Parked {
  step: number;
  op: string;
  run: (sim: Sim) => Record<string, unknown>;
}

export interface Sim {
  profile: Profile;
  /** env.guest's memslots (empty without a guest layout). */
  memslots: Memslot[];
  budget: WorkBudget;
  memory: ProcessMemory;
  mm: Mm;
  iommu: VfioIommu;
  iovad: IovaDomain | null;
  /** env.vendor: the driver behind the emulated groups, answering type1's dma_unmap callback. */
  kvmgt: Kvmgt | null;
  /** env.vendor of kind "tracking": one of the 2016 designs. */
  tracking: TrackingVendor | null;
  /** Steps asleep in vfio_wait, in the order they went to sleep. */
  parked: Parked[];
}
