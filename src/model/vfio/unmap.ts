// VFIO_IOMMU_UNMAP_DMA and mapping removal in drivers/vfio/vfio_iommu_type1.c:
// vfio_iommu_type1_unmap_dma (ioctl checks), vfio_dma_do_unmap (v1/v2 rules, ALL, VADDR, dirty bitmap,
// the notify-and-retry loop with BUG_ON after 10 retries), vfio_notify_dma_unmap, vfio_remove_dma,
// vfio_unmap_unpin (the first domain is the source of truth for pfns), vfio_iommu_unmap_unpin_all,
// vfio_iommu_unmap_unpin_reaccount.

import type { Errno } from '../errno';
import { kernel } from '../profile';
import type { VfioDma } from './dma';
import { updateUserBitmap, userBitmap, verifyBitmapSize, type DirtyPagesArgs, type UserBitmap } from './dirty';
import { KernelBug, type VfioIommu } from './iommu';
import { vfioLockAcct, vfioUnpinPagesRemote } from './pin';

export const VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP = 1;
export const VFIO_DMA_UNMAP_FLAG_ALL = 2;
export const VFIO_DMA_UNMAP_FLAG_VADDR = 4;

/** struct vfio_iommu_type1_dma_unmap with its struct vfio_bitmap: the same fields as a bitmap request. */
export type UnmapDmaArgs = DirtyPagesArgs;

export interface UnmapResult {
  ret: 0 | Errno;
  /** unmap.size as userspace reads it afterwards. */
  size: bigint;
  bitmap: UserBitmap | null;
}

const U64 = 1n << 64n;

/** vfio_iommu_type1_unmap_dma: on any error the struct is not copied back, so size keeps its input. */
export function vfioIommuType1UnmapDma(iommu: VfioIommu, unmap: UnmapDmaArgs): UnmapResult {
  const t = iommu.trace;
  t.path.push('vfio_iommu_type1_unmap_dma');
  const keep = (ret: Errno): UnmapResult => ({ ret, size: unmap.size, bitmap: null });
  if (unmap.argsz < 24) return keep(t.fail('-EINVAL', `argsz ${unmap.argsz} < 24`));
  if (unmap.flags & ~kernel.unmapFlagsMask(iommu.profile)) {
    return keep(t.fail('-EINVAL', `flags 0x${unmap.flags.toString(16)} has unknown bits on this kernel`));
  }
  const dirty = (unmap.flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP) !== 0;
  if (dirty && unmap.flags & (VFIO_DMA_UNMAP_FLAG_ALL | VFIO_DMA_UNMAP_FLAG_VADDR)) {
    return keep(t.fail('-EINVAL', 'GET_DIRTY_BITMAP cannot be combined with ALL or VADDR'));
  }
  let bitmap: UserBitmap | null = null;
  if (dirty) {
    if (unmap.argsz < 48) return keep(t.fail('-EINVAL', `argsz ${unmap.argsz} < 48: no room for struct vfio_bitmap`));
    const ret = verifyBitmapSize(unmap.size, unmap.bitmapPgsize, unmap.bitmapSize);
    if (ret)
      return keep(t.fail(ret, 'verify_bitmap_size: bitmap size is 0, too large, or smaller than the range needs'));
    bitmap = userBitmap(iommu, unmap.bitmapSize);
  }
  const r = vfioDmaDoUnmap(iommu, unmap, bitmap);
  return r.ret === 0 ? { ret: 0, size: r.unmapped, bitmap } : keep(r.ret);
}

export function vfioDmaDoUnmap(
  iommu: VfioIommu,
  unmap: UnmapDmaArgs,
  bitmap: UserBitmap | null,
): { ret: 0 | Errno; unmapped: bigint } {
  const p = iommu.profile;
  const t = iommu.trace;
  t.path.push('vfio_dma_do_unmap');
  const fail = (ret: Errno, why: string) => ({ ret: t.fail(ret, why), unmapped: 0n });
  const unmapAll = (unmap.flags & VFIO_DMA_UNMAP_FLAG_ALL) !== 0;
  const invalidateVaddr = (unmap.flags & VFIO_DMA_UNMAP_FLAG_VADDR) !== 0;
  if (invalidateVaddr && kernel.hasVaddrBusy(p) && iommu.emulatedGroups.length > 0) {
    return fail('-EBUSY', 'VADDR invalidation is refused while an emulated (mdev) group is in the container');
  }
  const pgsize = BigInt(iommu.pgsizePages) << 12n;
  const iova = unmap.iova;
  let size = unmap.size;
  if (iova % pgsize !== 0n) return fail('-EINVAL', 'iova is not aligned to the smallest IOMMU page');
  if (unmapAll) {
    if (iova !== 0n || size !== 0n) return fail('-EINVAL', 'ALL requires iova and size to be 0');
    size = U64 - 1n;
  } else {
    if (size === 0n || size % pgsize !== 0n)
      return fail('-EINVAL', size === 0n ? 'size is 0' : 'size is not aligned to the smallest IOMMU page');
    if (iova + size - 1n >= U64) {
      return kernel.overflowIsEoverflow(p)
        ? fail('-EOVERFLOW', 'iova + size − 1 overflows')
        : fail('-EINVAL', 'iova + size − 1 wraps around');
    }
  }
  if (bitmap && (!iommu.dirtyPageTracking || unmap.bitmapPgsize !== pgsize)) {
    return fail(
      '-EINVAL',
      iommu.dirtyPageTracking ? 'bitmap pgsize is not the smallest IOMMU page' : 'dirty page tracking is not started',
    );
  }

  const startPfn = Number(iova >> 12n);
  const endPfn = Number((iova + size) >> 12n) + (unmapAll ? 1 : 0);
  let unmapped = 0n;
  let dmaLast: VfioDma | null = null;
  let retries = 0;
  // "again:" — the checks and the walk restart after every notification.
  for (;;) {
    if (iommu.v2 && !unmapAll) {
      const first = iommu.dmaList.findDma(startPfn, 1);
      if (first && first.iovaPfn !== startPfn)
        return fail('-EINVAL', `v2: the range starts inside the mapping at 0x${(first.iovaPfn * 4096).toString(16)}`);
      const last = iommu.dmaList.findDma(endPfn - 1, 1);
      if (last && last.endPfn !== endPfn)
        return fail('-EINVAL', `v2: the range ends inside the mapping at 0x${(last.iovaPfn * 4096).toString(16)}`);
    }
    const firstIndex = iommu.dmaList.findDmaFirstIndex(startPfn, endPfn);
    if (firstIndex < 0) return { ret: 0, unmapped };
    let i = firstIndex;
    let restart = false;
    while (i < iommu.dmaList.size) {
      const dma = iommu.dmaList.items[i]!;
      if (dma.iovaPfn >= endPfn) break;
      if (!iommu.v2 && startPfn > dma.iovaPfn) break;
      if (invalidateVaddr) {
        if (dma.vaddrInvalid) {
          for (let j = firstIndex; j < i; j++) {
            iommu.dmaList.items[j]!.vaddrInvalid = false;
            iommu.vaddrInvalidCount--;
          }
          return fail(
            '-EINVAL',
            `VADDR: the mapping at 0x${(dma.iovaPfn * 4096).toString(16)} is already invalid; earlier ones are re-validated`,
          );
        }
        dma.vaddrInvalid = true;
        iommu.vaddrInvalidCount++;
        unmapped += BigInt(dma.sizePages) << 12n;
        i++;
        continue;
      }
      if (dma.pfnList.size > 0) {
        if (dmaLast === dma) {
          if (++retries > 10) {
            throw new KernelBug(
              `BUG_ON(++retries > 10) in vfio_dma_do_unmap: the vendor driver left ${dma.pfnList.size} page(s) pinned in the mapping at 0x${(dma.iovaPfn * 4096).toString(16)} after 11 notifications`,
            );
          }
        } else {
          dmaLast = dma;
          retries = 0;
        }
        vfioNotifyDmaUnmap(iommu, dma);
        restart = true;
        break;
      }
      if (bitmap) updateUserBitmap(iommu, bitmap, dma, startPfn);
      unmapped += BigInt(dma.sizePages) << 12n;
      vfioRemoveDma(iommu, dma);
    }
    if (!restart) return { ret: 0, unmapped };
  }
}

/** vfio_notify_dma_unmap: every registered device's dma_unmap op gets the whole mapping's range. */
export function vfioNotifyDmaUnmap(iommu: VfioIommu, dma: VfioDma): void {
  iommu.trace.path.push('vfio_notify_dma_unmap');
  for (const device of [...iommu.deviceList]) {
    iommu.trace.vendorCallbacks.push({ device: device.id, iovaPfn: dma.iovaPfn, npages: dma.sizePages });
    device.vendor.dmaUnmap(iommu, device, dma.iovaPfn, dma.sizePages);
  }
}

/** vfio_remove_dma: unmap, unpin and un-account; unlink; dma_avail++. */
export function vfioRemoveDma(iommu: VfioIommu, dma: VfioDma): void {
  vfioUnmapUnpin(iommu, dma, true);
  iommu.dmaList.unlink(dma);
  dma.bitmap = null;
  if (dma.vaddrInvalid) {
    iommu.vaddrInvalidCount--;
    if (!kernel.hasVaddrBusy(iommu.profile)) iommu.trace.wokeVaddrWaiters = true;
  }
  if (kernel.hasDmaAvail(iommu.profile)) iommu.dmaAvail++;
}

/**
 * vfio_unmap_unpin: other domains are unmapped whole; the first one is walked for physically contiguous
 * runs, each unmapped and unpinned. Returns the pages unpinned ("unlocked") when not accounting.
 */
export function vfioUnmapUnpin(iommu: VfioIommu, dma: VfioDma, doAccounting: boolean): number {
  if (dma.sizePages === 0 || !iommu.hasDomain) return 0;
  const first = iommu.domains[0]!.domain;
  for (let i = 1; i < iommu.domains.length; i++) iommu.domains[i]!.domain.unmap(dma.iovaPfn, dma.sizePages);
  let unlocked = 0;
  let runIova = -1;
  let runPhys = -1;
  let runLen = 0;
  // Each run is unmapped as soon as the next leaf does not continue it. That is safe during the walk:
  // the run lies wholly before the leaf being visited, so it only clears entries the walk has passed.
  const flush = () => {
    iommu.budget.spend(1, 'unmapping (vfio_unmap_unpin)');
    const unmappedPages = first.unmap(runIova, runLen);
    unlocked += vfioUnpinPagesRemote(iommu, dma, runIova, runPhys, unmappedPages, false);
  };
  first.forEachLeaf(dma.iovaPfn, dma.endPfn, (leafIova, leafPhys, pages) => {
    // A leaf may start before or run past the mapping only if something else mapped it; clip to the mapping.
    const lo = Math.max(leafIova, dma.iovaPfn);
    const hi = Math.min(leafIova + pages, dma.endPfn);
    const phys = leafPhys + (lo - leafIova);
    if (runLen > 0 && lo === runIova + runLen && phys === runPhys + runLen) {
      runLen += hi - lo;
      return;
    }
    if (runLen > 0) flush();
    runIova = lo;
    runPhys = phys;
    runLen = hi - lo;
  });
  if (runLen > 0) flush();
  dma.iommuMapped = false;
  if (doAccounting) {
    vfioLockAcct(iommu, dma, -unlocked);
    return 0;
  }
  return unlocked;
}

/** vfio_iommu_unmap_unpin_all. */
export function vfioIommuUnmapUnpinAll(iommu: VfioIommu): void {
  while (iommu.dmaList.size > 0) vfioRemoveDma(iommu, iommu.dmaList.items[0]!);
}

/** vfio_iommu_unmap_unpin_reaccount: the last IOMMU domain leaves; only external pins stay charged. */
export function vfioIommuUnmapUnpinReaccount(iommu: VfioIommu): void {
  for (const dma of iommu.dmaList.items) {
    const unlocked = vfioUnmapUnpin(iommu, dma, false);
    let locked = 0;
    for (const v of dma.pfnList.values()) if (!v.reserved) locked++;
    vfioLockAcct(iommu, dma, locked - unlocked);
  }
}
