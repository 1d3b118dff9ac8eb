// Group attach and detach in drivers/vfio/vfio_iommu_type1.c: vfio_iommu_type1_attach_group (checks in
// kernel order, compatible-domain reuse, vfio_iommu_replay), vfio_iommu_type1_detach_group, and the
// iova_list helpers vfio_iommu_aper_conflict, vfio_iommu_aper_resize, vfio_iommu_resv_conflict,
// vfio_iommu_resv_exclude, vfio_iommu_aper_expand, vfio_iommu_resv_refresh.

import type { Errno } from '../errno';
import { IommuDomain } from '../iommu/core';
import { IOMMU_CACHE } from '../iommu/types';
import { kernel } from '../profile';
import { vfioIommuPopulateBitmapFull } from './dirty';
import { KernelBug } from './iommu';
import type {
  EmulatedGroupSpec,
  GroupSpec,
  IommuGroupSpec,
  VendorDriver,
  VfioDomain,
  VfioIommu,
  VfioIommuGroup,
} from './iommu';
import { vfioPinPagesRemote, vfioUnpinPagesRemote } from './pin';
import { vfioIommuUnmapUnpinAll, vfioIommuUnmapUnpinReaccount } from './unmap';

type IovaList = Array<[bigint, bigint]>;

/** Reserved regions that never constrain iovas (IOMMU_RESV_DIRECT_RELAXABLE). */
function constraining(spec: IommuGroupSpec) {
  return spec.reservedRegions.filter((r) => r.type !== 'IOMMU_RESV_DIRECT_RELAXABLE');
}

function overlapsDma(iommu: VfioIommu, start: bigint, endInclusive: bigint): boolean {
  const s = Number(start >> 12n);
  const e = Number(endInclusive >> 12n) + 1;
  return iommu.dmaList.findDma(s, e - s) !== undefined;
}

/** vfio_iommu_aper_conflict. */
function aperConflict(iommu: VfioIommu, start: bigint, end: bigint): boolean {
  const list = iommu.iovaList;
  if (list.length === 0) return false;
  const first = list[0]!;
  const last = list[list.length - 1]!;
  if (start > last[1] || end < first[0]) return true;
  if (start > first[0] && overlapsDma(iommu, first[0], start - 1n)) return true;
  if (end < last[1] && overlapsDma(iommu, end + 1n, last[1])) return true;
  return false;
}

/** vfio_iommu_aper_resize. */
function aperResize(list: IovaList, start: bigint, end: bigint): IovaList {
  if (list.length === 0) return [[start, end]];
  const out: IovaList = [];
  for (const [lo, hi] of list) {
    if (hi < start || lo > end) continue;
    out.push([lo < start ? start : lo, hi > end ? end : hi]);
  }
  return out;
}

/** vfio_iommu_resv_exclude: cut reserved regions out; nothing left is -EINVAL. */
function resvExclude(list: IovaList, regions: Array<{ start: bigint; end: bigint }>): IovaList | null {
  let cur = list;
  for (const r of regions) {
    const next: IovaList = [];
    for (const [lo, hi] of cur) {
      if (r.start > hi || r.end < lo) {
        next.push([lo, hi]);
        continue;
      }
      if (r.start > lo) next.push([lo, r.start - 1n]);
      if (r.end < hi) next.push([r.end + 1n, hi]);
    }
    cur = next;
  }
  return cur.length === 0 ? null : cur;
}

export function vfioIommuType1AttachGroup(
  iommu: VfioIommu,
  spec: GroupSpec,
  vendor: VendorDriver | null,
): 0 | Errno | 'BLOCKED' {
  const t = iommu.trace;
  t.path.push('vfio_iommu_type1_attach_group');
  if (kernel.hasVaddrBusy(iommu.profile) && iommu.vaddrInvalidCount > 0) {
    return t.fail('-EBUSY', 'a mapping has an invalid vaddr: attach could require pinning');
  }
  if (iommu.findGroup(spec.id)) return t.fail('-EINVAL', `group ${spec.id} is already in the container`);
  if (spec.kind === 'emulated') return attachEmulated(iommu, spec, vendor);

  const d = new IommuDomain(spec.id, spec.vtd, iommu.profile, iommu.budget, iommu.nextDomainIndex, spec.pgsizeBitmap);
  const [apStart, apEnd] = spec.aperture ?? d.aperture;
  const iovaListOn = kernel.hasIovaList(iommu.profile);
  let copy: IovaList = iommu.iovaList;
  if (iovaListOn) {
    if (aperConflict(iommu, apStart, apEnd)) {
      return t.fail('-EINVAL', "the group's aperture is disjoint from iova_list or would exclude an existing mapping");
    }
    if (constraining(spec).some((r) => overlapsDma(iommu, r.start, r.end))) {
      return t.fail('-EINVAL', "one of the group's reserved regions overlaps an existing mapping");
    }
    copy = aperResize(iommu.iovaList, apStart, apEnd);
    const excluded = resvExclude(copy, constraining(spec));
    if (!excluded) return t.fail('-EINVAL', 'the reserved regions leave no usable iova range');
    copy = excluded;
  }
  if (!iommu.opts.allowUnsafeInterrupts && !spec.isolatedMsi) {
    return t.fail('-EPERM', 'no interrupt remapping: isolated MSI is unavailable and allow_unsafe_interrupts is off');
  }
  const group: VfioIommuGroup = { spec, pinnedPageDirtyScope: false };
  const enforceCacheCoherency = spec.vtd.snoopControl;
  const compatible = iommu.domains.find((x) => x.enforceCacheCoherency === enforceCacheCoherency);
  if (compatible) {
    compatible.groups.push(group);
  } else {
    const domain: VfioDomain = { domain: d, groups: [group], enforceCacheCoherency };
    const ret = vfioIommuReplay(iommu, domain);
    if (ret !== 0) return ret;
    iommu.nextDomainIndex++;
    iommu.domains.unshift(domain);
    iommu.updatePgsizeBitmap();
  }
  if (iovaListOn) iommu.iovaList = copy;
  iommu.numNonPinnedGroups++;
  return 0;
}

function attachEmulated(iommu: VfioIommu, spec: EmulatedGroupSpec, vendor: VendorDriver | null): 0 {
  const group: VfioIommuGroup = { spec, pinnedPageDirtyScope: true };
  iommu.emulatedGroups.unshift(group);
  // vfio_iommu_type1_register_device: only devices implementing dma_unmap are listened to.
  if (spec.deviceRegistered && spec.hasDmaUnmapOp && vendor) {
    iommu.deviceList.unshift({ id: spec.id, group, vendor });
  }
  return 0;
}

/**
 * vfio_iommu_replay: map every existing vfio_dma into the new domain, reading pfns back from the first
 * domain when already mapped, otherwise pinning now (charging all but externally pinned pages).
 */
function vfioIommuReplay(iommu: VfioIommu, domain: VfioDomain): 0 | Errno | 'BLOCKED' {
  const t = iommu.trace;
  t.path.push('vfio_iommu_replay');
  if (kernel.hasVaddrAndUnmapAll(iommu.profile) && iommu.vaddrInvalidCount > 0) {
    t.path.push('vfio_wait_all_valid');
    return t.fail(
      'BLOCKED',
      'a mapping has an invalid vaddr: vfio_wait_all_valid sleeps until QEMU supplies every vaddr (MAP_DMA with VFIO_DMA_MAP_FLAG_VADDR) or the container is closed (then -EFAULT)',
    );
  }
  const first = iommu.domains[0]?.domain ?? null;
  const limit = iommu.mm.limitPages;
  const d = domain.domain;
  const done: Array<{ dmaIndex: number; iovaPfn: number; physPfn: number; npage: number; pinned: boolean }> = [];
  // Before 5.9 a failed replay just returns: what it pinned stays pinned and charged, and each mapping it
  // finished stays marked iommu_mapped, as the kernel sets the flag mapping by mapping.
  const unwinds = kernel.replayUnwinds(iommu.profile);
  let ret: 0 | Errno = 0;
  outer: for (let i = 0; i < iommu.dmaList.size; i++) {
    const dma = iommu.dmaList.items[i]!;
    if (dma.iommuMapped && !first)
      throw new KernelBug(
        `vfio_iommu_replay: the mapping at 0x${(dma.iovaPfn * 4096).toString(16)} is iommu_mapped but the container has no domain (an earlier replay failed without unwinding, before 5.9): list_first_entry on the empty domain_list gives a bogus domain and iommu_iova_to_phys oopses`,
      );
    if (dma.iommuMapped && first) {
      const runs: number[] = [];
      first.forEachLeaf(dma.iovaPfn, dma.endPfn, (iovaPfn, physPfn, pages) => {
        const n = runs.length;
        if (n > 0 && runs[n - 3]! + runs[n - 1]! === iovaPfn && runs[n - 2]! + runs[n - 1]! === physPfn)
          runs[n - 1]! += pages;
        else runs.push(iovaPfn, physPfn, pages);
      });
      for (let k = 0; k < runs.length; k += 3) {
        ret = d.map(runs[k]!, runs[k + 1]!, runs[k + 2]!, dma.prot | IOMMU_CACHE);
        if (ret !== 0) break outer;
        done.push({ dmaIndex: i, iovaPfn: runs[k]!, physPfn: runs[k + 1]!, npage: runs[k + 2]!, pinned: false });
      }
      continue;
    }
    let off = 0;
    while (off < dma.sizePages) {
      const chunk = vfioPinPagesRemote(iommu, dma, dma.vaddrPfn + off, dma.sizePages - off, limit);
      if (typeof chunk === 'string') {
        ret = chunk;
        break outer;
      }
      const iovaPfn = dma.iovaPfn + off;
      ret = d.map(iovaPfn, chunk.pfn, chunk.npage, dma.prot | IOMMU_CACHE);
      if (ret !== 0) {
        if (unwinds) vfioUnpinPagesRemote(iommu, dma, iovaPfn, chunk.pfn, chunk.npage, true);
        break outer;
      }
      done.push({ dmaIndex: i, iovaPfn, physPfn: chunk.pfn, npage: chunk.npage, pinned: true });
      off += chunk.npage;
    }
    if (!unwinds) dma.iommuMapped = true;
  }
  if (ret !== 0 && !unwinds)
    return t.fail(
      ret,
      'replaying the existing mappings into the new domain failed; before 5.9 nothing is undone: the pages it pinned stay pinned and charged, the mappings it finished stay iommu_mapped, and the new domain is freed',
    );
  if (ret !== 0) {
    for (let k = done.length - 1; k >= 0; k--) {
      const r = done[k]!;
      d.unmap(r.iovaPfn, r.npage);
      if (r.pinned) vfioUnpinPagesRemote(iommu, iommu.dmaList.items[r.dmaIndex]!, r.iovaPfn, r.physPfn, r.npage, true);
    }
    return t.fail(
      ret,
      'replaying the existing mappings into the new domain failed; everything the replay did is undone',
    );
  }
  for (const dma of iommu.dmaList.items) dma.iommuMapped = true;
  return 0;
}

export function vfioIommuType1DetachGroup(iommu: VfioIommu, id: string): 0 | Errno {
  const t = iommu.trace;
  t.path.push('vfio_iommu_type1_detach_group');
  let updateDirtyScope: boolean;
  const ei = iommu.emulatedGroups.findIndex((g) => g.spec.id === id);
  if (ei >= 0) {
    const g = iommu.emulatedGroups[ei]!;
    updateDirtyScope = !g.pinnedPageDirtyScope;
    iommu.emulatedGroups.splice(ei, 1);
    const di = iommu.deviceList.findIndex((dev) => dev.group === g);
    if (di >= 0) iommu.deviceList.splice(di, 1);
    if (iommu.emulatedGroups.length === 0 && iommu.domains.length === 0) vfioIommuUnmapUnpinAll(iommu);
  } else {
    const di = iommu.domains.findIndex((d) => d.groups.some((g) => g.spec.id === id));
    if (di < 0) return t.fail('-EINVAL', `group ${id} is not in the container`);
    const domain = iommu.domains[di]!;
    const gi = domain.groups.findIndex((g) => g.spec.id === id);
    updateDirtyScope = !domain.groups[gi]!.pinnedPageDirtyScope;
    domain.groups.splice(gi, 1);
    let copy = iommu.iovaList.map(([a, b]) => [a, b] as [bigint, bigint]);
    if (domain.groups.length === 0) {
      if (iommu.domains.length === 1) {
        if (iommu.emulatedGroups.length === 0) vfioIommuUnmapUnpinAll(iommu);
        else vfioIommuUnmapUnpinReaccount(iommu);
      }
      iommu.domains.splice(di, 1);
      copy = aperExpand(iommu, copy);
      iommu.updatePgsizeBitmap();
    }
    if (kernel.hasIovaList(iommu.profile)) {
      const refreshed = resvRefresh(iommu, copy);
      if (refreshed) iommu.iovaList = refreshed;
    }
  }
  if (updateDirtyScope) {
    iommu.numNonPinnedGroups--;
    if (iommu.dirtyPageTracking) vfioIommuPopulateBitmapFull(iommu);
  }
  return 0;
}

/** vfio_iommu_aper_expand: the smallest window among the remaining domains (or everything). */
function aperExpand(iommu: VfioIommu, copy: IovaList): IovaList {
  if (copy.length === 0) return copy;
  let start = 0n;
  let end = (1n << 64n) - 1n;
  for (const d of iommu.domains) {
    const spec = d.groups[0]?.spec as IommuGroupSpec | undefined;
    const [lo, hi] = spec?.aperture ?? d.domain.aperture;
    if (lo > start) start = lo;
    if (hi < end) end = hi;
  }
  copy[0]![0] = start;
  copy[copy.length - 1]![1] = end;
  return copy;
}

/** vfio_iommu_resv_refresh: rebuild from the outer bounds minus every remaining group's reserved regions. */
function resvRefresh(iommu: VfioIommu, copy: IovaList): IovaList | null {
  if (copy.length === 0) return null;
  const regions = iommu.domains.flatMap((d) => d.groups.flatMap((g) => constraining(g.spec as IommuGroupSpec)));
  return resvExclude([[copy[0]![0], copy[copy.length - 1]![1]]], regions);
}
