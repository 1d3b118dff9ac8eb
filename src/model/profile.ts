// Kernel behaviour profiles: every version-dependent behaviour of the model is one predicate here
// (kernel-model.md §0.2). Landmarks the spec marks "≈" are pinned to one version, with the reason.

export interface Profile {
  readonly version: string;
  readonly major: number;
  readonly minor: number;
}

export const DEFAULT_KERNEL = '6.18';

/** Profiles the app offers in its picker; any major.minor is accepted. */
export const NAMED_PROFILES = ['4.10', '4.15', '5.4', '5.10', '5.15', '5.19', '6.2', '6.8', '6.15', '6.18'] as const;

export function parseProfile(version: string): Profile {
  const m = /^(\d{1,2})\.(\d{1,3})$/.exec(version.trim());
  if (!m)
    throw new Error(
      `kernel profile ${JSON.stringify(version.length > 40 ? version.slice(0, 40) + '…' : version)} is not of the form major.minor (for example "6.18")`,
    );
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major < 4 || (major === 4 && minor < 10)) {
    throw new Error(`kernel profile "${version}" predates mdev (4.10); the model starts at 4.10`);
  }
  return { version: `${major}.${minor}`, major, minor };
}

function atLeast(p: Profile, major: number, minor: number): boolean {
  return p.major > major || (p.major === major && p.minor >= minor);
}

export const kernel = {
  // ---- vfio_iommu_type1.c ----
  /** 6.18 overflow series: wrap checks use check_add_overflow and return -EOVERFLOW, before alignment. */
  overflowIsEoverflow: (p: Profile) => atLeast(p, 6, 18),
  /** 5.1: dma_entry_limit, dma_avail, -ENOSPC. */
  hasDmaAvail: (p: Profile) => atLeast(p, 5, 1),
  /** 5.4: iova_list from apertures minus reserved regions; IOVA_RANGE capability. */
  hasIovaList: (p: Profile) => atLeast(p, 5, 4),
  /** 5.4: GET_INFO has a capability chain (VFIO_IOMMU_INFO_CAPS). */
  hasInfoCaps: (p: Profile) => atLeast(p, 5, 4),
  /** 5.8: dirty page tracking and the MIGRATION capability. */
  hasDirtyTracking: (p: Profile) => atLeast(p, 5, 8),
  /** 5.10: DMA_AVAIL capability. */
  hasDmaAvailCap: (p: Profile) => atLeast(p, 5, 10),
  /** 5.9: "vfio/type1: Add proper error unwind for vfio_iommu_replay()"; before, a failed replay just returned. */
  replayUnwinds: (p: Profile) => atLeast(p, 5, 9),
  /** 5.12: vfio_pin_pages_remote pins through a vfio_batch; a failed refill releases the chunk in progress. */
  pinsInBatches: (p: Profile) => atLeast(p, 5, 12),
  /** 5.12: VFIO_DMA_UNMAP_FLAG_ALL, MAP/UNMAP VADDR, vfio_batch. */
  hasVaddrAndUnmapAll: (p: Profile) => atLeast(p, 5, 12),
  /** ≈5.16/5.17: external_domain replaced by emulated_iommu_groups (pinned to 5.17). */
  hasEmulatedIommuGroups: (p: Profile) => atLeast(p, 5, 17),
  /** 6.0: vfio_pin_pages(vfio_device, iova, npage, prot, pages); vfio_unpin_pages returns void; dma_unmap op. */
  hasIovaPinApi: (p: Profile) => atLeast(p, 6, 0),
  /** ≈6.2/6.3: dma->mm, vfio_change_dma_owner, -EBUSY while a vaddr is invalid (pinned to 6.3). */
  hasVaddrBusy: (p: Profile) => atLeast(p, 6, 3),
  /** ≈6.6: vfio_info_cap_add pads every capability to 8 bytes (Aug 2023 series, pinned to 6.6). */
  infoCapsAligned: (p: Profile) => atLeast(p, 6, 6),
  /** ≈6.14: VFIO_TYPE1_NESTING_IOMMU no longer advertised by CHECK_EXTENSION (pinned to 6.14). */
  advertisesNesting: (p: Profile) => !atLeast(p, 6, 14),
  /** 6.18: vfio_pin_pages also refuses npage <= 0 and checks the iova range for overflow. */
  pinPagesChecksOverflow: (p: Profile) => atLeast(p, 6, 18),
  /** Until 6.16: vfio_test_domain_fgsp at attach. */
  hasFgspTest: (p: Profile) => !atLeast(p, 6, 16),
  /** v1 map flags: VADDR exists from 5.12. */
  mapFlagsMask: (p: Profile) => (atLeast(p, 5, 12) ? 0b111 : 0b011),
  unmapFlagsMask: (p: Profile) => (atLeast(p, 5, 12) ? 0b111 : atLeast(p, 5, 8) ? 0b001 : 0),

  // ---- iommu core and VT-d ----
  /** 5.15: Intel reports 4K|2M|1G and the core hands count pages to ->map_pages. */
  hasMapPages: (p: Profile) => atLeast(p, 5, 15),
  /**
   * 5.12 up to the 2025 write-only fix (≈6.16/6.17, pinned to 6.17): every second-level leaf also got
   * DMA_FL_PTE_PRESENT (bit 0), so a write-only leaf reads 0x…003.
   */
  vtdLeafForcesBit0: (p: Profile) => atLeast(p, 5, 12) && !atLeast(p, 6, 17),

  // ---- iova.c ----
  /** 4.15: the anchor node, cached_node + cached32_node rewrite. Earlier profiles use the pad_size walk. */
  iovaHasAnchor: (p: Profile) => atLeast(p, 4, 15),
  /** 5.1: max32_alloc_size fast fail. */
  iovaHasMax32: (p: Profile) => atLeast(p, 5, 1),
  /** ≈5.11: second search pass above the cached node (pinned to 5.11). */
  iovaHasRetryPass: (p: Profile) => atLeast(p, 5, 11),
  /**
   * ≈6.2: "iommu/iova: Fix alloc iova overflows issue" (January 2023, a fix for 5.11's retry pass; pinned to
   * 6.2). Before it, retry_pfn = pfn_hi + 1 wraps to 0 for the anchor and the retry pass starts at pfn 0,
   * below start_pfn.
   */
  iovaRetryStartsAboveCached: (p: Profile) => atLeast(p, 6, 2),
  /** ≈5.17: alloc_iova_fast rounds sizes below 32 pages up itself (pinned to 5.17). */
  iovaFastRoundsUp: (p: Profile) => atLeast(p, 5, 17),
  /** ≈5.13: IOVA_MAG_SIZE became 127 so that a magazine is 1 KiB (pinned to 5.13). */
  iovaMagSize: (p: Profile) => (atLeast(p, 5, 13) ? 127 : 128),
  /** ≈6.7: the depot is an unbounded list trimmed by delayed work (pinned to 6.7); before, 32 magazines. */
  iovaDepotIsList: (p: Profile) => atLeast(p, 6, 7),
  /** ≈6.x: magazine pop scans for a pfn that fits the limit; older code looked at the top only (pinned to 5.17). */
  iovaMagPopScans: (p: Profile) => atLeast(p, 5, 17),

  // ---- dma-iommu ----
  /** 6.4: a device whose first below-4 GiB ("SAC") attempt fails stops trying it (pci_32bit_workaround). */
  dmaIommuSacOneShot: (p: Profile) => atLeast(p, 6, 4),
} as const;
