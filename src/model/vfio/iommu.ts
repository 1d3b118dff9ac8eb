// struct vfio_iommu (one container), struct vfio_domain and struct vfio_iommu_group of
// drivers/vfio/vfio_iommu_type1.c, plus vfio_iommu_type1_open and vfio_update_pgsize_bitmap.
// The container also carries the per-step trace the case format reports (pin chunks, iommu_map calls).

import type { WorkBudget } from '../budget';
import type { ProcessMemory } from '../host/memory';
import type { Mm } from '../host/mm';
import type { IommuDomain } from '../iommu/core';
import type { MapPagesLog, VtdConfig } from '../iommu/types';
import { ColumnLog } from '../lib/columns';
import { kernel, type Profile } from '../profile';
import { DmaList } from './dma';

export const VFIO_TYPE1_IOMMU = 1;
export const VFIO_TYPE1v2_IOMMU = 3;
export const PAGE_MASK_BITMAP = 0xfffffffffffff000n;

export interface ReservedRegion {
  start: bigint;
  end: bigint;
  type: string;
}

export interface IommuGroupSpec {
  kind: 'iommu';
  id: string;
  vtd: VtdConfig;
  /** What the driver reports, when the scenario states it. */
  pgsizeBitmap: bigint | null;
  aperture: [bigint, bigint] | null;
  reservedRegions: ReservedRegion[];
  /** Interrupt remapping present (iommu_group_has_isolated_msi). */
  isolatedMsi: boolean;
}

/** What type1 asks of the vendor driver behind an emulated device when a pinned range is unmapped. */
export interface VendorDriver {
  dmaUnmap(iommu: VfioIommu, device: VfioDevice, iovaPfn: number, npages: number): void;
}

export interface EmulatedGroupSpec {
  kind: 'emulated';
  id: string;
  deviceRegistered: boolean;
  hasDmaUnmapOp: boolean;
  vendorPolicy: 'unpin_all_in_range' | 'ignore';
}

export type GroupSpec = IommuGroupSpec | EmulatedGroupSpec;

export interface VfioIommuGroup {
  spec: GroupSpec;
  pinnedPageDirtyScope: boolean;
}

/** A vfio_device of an emulated group, on iommu->device_list when it implements dma_unmap. */
export interface VfioDevice {
  id: string;
  group: VfioIommuGroup;
  vendor: VendorDriver;
}

export interface VfioDomain {
  domain: IommuDomain;
  groups: VfioIommuGroup[];
  enforceCacheCoherency: boolean;
}

/** What one step did, for its outputs. */
export class StepTrace {
  readonly pinChunks = new ColumnLog(['iovaPfn', 'pfn', 'npage', 'reserved'] as const);
  readonly iommuMapCalls = new ColumnLog(['domain', 'iovaPfn', 'physPfn', 'npages'] as const);
  readonly mapPages: MapPagesLog = new ColumnLog(['domain', 'iovaPfn', 'physPfn', 'order', 'count'] as const);
  readonly vendorCallbacks: Array<{ device: string; iovaPfn: number; npages: number }> = [];
  readonly type1Pins: Array<{ iovaPfn: number; npage: number }> = [];
  readonly type1Unpins: Array<{ iovaPfn: number; npage: number }> = [];
  /** Kernel functions the step went through, in order, for the step explanation. */
  readonly path: string[] = [];
  /** Why an errno came back, in kernel words. */
  reason: string | null = null;
  /** WARN_ON splats the step triggered, in kernel words. */
  readonly warnings: string[] = [];
  /** The step called wake_up_all(&iommu->vaddr_wait): callers asleep in vfio_wait look again. */
  wokeVaddrWaiters = false;

  fail<T>(errno: T, reason: string): T {
    if (this.reason === null) this.reason = reason;
    return errno;
  }

  /** Empties the trace in place: a workload runs a million accesses inside one step. */
  clear(): void {
    this.pinChunks.clear();
    this.iommuMapCalls.clear();
    this.mapPages.clear();
    if (this.vendorCallbacks.length > 0) this.vendorCallbacks.length = 0;
    if (this.type1Pins.length > 0) this.type1Pins.length = 0;
    if (this.type1Unpins.length > 0) this.type1Unpins.length = 0;
    if (this.path.length > 0) this.path.length = 0;
    if (this.warnings.length > 0) this.warnings.length = 0;
    this.wokeVaddrWaiters = false;
    this.reason = null;
  }
}

export class KernelBug extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KernelBug';
  }
}

/** A vendor driver's vfio_pin_pages went to sleep in vfio_wait (5.12–6.2): the case stops there. */
export class VendorBlocked extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VendorBlocked';
  }
}

export interface ContainerOptions {
  iommuType: number;
  dmaEntryLimit: number;
  disableHugepages: boolean;
  allowUnsafeInterrupts: boolean;
}

export class VfioIommu {
  readonly v2: boolean;
  dmaAvail: number;
  pgsizeBitmap = PAGE_MASK_BITMAP;
  /** Allowed iova intervals, inclusive ends (struct vfio_iova). */
  iovaList: Array<[bigint, bigint]> = [];
  /** iommu->domain_list; list_add puts a new domain first. */
  readonly domains: VfioDomain[] = [];
  readonly emulatedGroups: VfioIommuGroup[] = [];
  readonly deviceList: VfioDevice[] = [];
  readonly dmaList = new DmaList();
  vaddrInvalidCount = 0;
  dirtyPageTracking = false;
  numNonPinnedGroups = 0;
  trace = new StepTrace();
  /** The trace is one a replay made, which no step result refers to. */
  private traceOfReplay = false;
  /** Domains are numbered in creation order so that logs name them stably. */
  nextDomainIndex = 0;

  constructor(
    readonly profile: Profile,
    readonly opts: ContainerOptions,
    readonly budget: WorkBudget,
    /** The calling process (QEMU): its mm and address space. */
    readonly mm: Mm,
    readonly memory: ProcessMemory,
  ) {
    if (opts.iommuType !== VFIO_TYPE1_IOMMU && opts.iommuType !== VFIO_TYPE1v2_IOMMU && opts.iommuType !== 6) {
      throw new Error(`VFIO_SET_IOMMU: type ${opts.iommuType} is not a type1 container (-EINVAL)`);
    }
    this.v2 = opts.iommuType !== VFIO_TYPE1_IOMMU;
    this.dmaAvail = opts.dmaEntryLimit;
  }

  /** Smallest supported page, in pages (always 1 on x86-64 after the PAGE_SIZE fix-up). */
  get pgsizePages(): number {
    return Number(lowestBit(this.pgsizeBitmap) >> 12n);
  }

  get hasDomain(): boolean {
    return this.domains.length > 0;
  }

  /** The first domain: type1's source of truth for pinned pfns. */
  get firstDomain(): IommuDomain | null {
    return this.domains[0]?.domain ?? null;
  }

  /** vfio_update_pgsize_bitmap. */
  updatePgsizeBitmap(): void {
    let bitmap = (1n << 64n) - 1n;
    for (const d of this.domains) bitmap &= d.domain.pgsizeBitmap;
    if (bitmap & 0xfffn) {
      bitmap &= PAGE_MASK_BITMAP;
      bitmap |= 0x1000n;
    }
    this.pgsizeBitmap = bitmap;
  }

  findGroup(id: string): VfioIommuGroup | undefined {
    for (const d of this.domains) for (const g of d.groups) if (g.spec.id === id) return g;
    return this.emulatedGroups.find((g) => g.spec.id === id);
  }

  /**
   * The step trace starts empty for every op. A replay (a step run again only for the state it leaves)
   * empties the trace an earlier replayed step had instead of making one.
   */
  beginStep(replay = false): StepTrace {
    if (replay && this.traceOfReplay) this.trace.clear();
    else {
      this.trace = new StepTrace();
      this.traceOfReplay = replay;
    }
    this.budget.reset();
    return this.trace;
  }

  get hasDmaAvail(): boolean {
    return kernel.hasDmaAvail(this.profile);
  }
}

export function lowestBit(v: bigint): bigint {
  return v & -v;
}
