// Pinning and locked_vm accounting of drivers/vfio/vfio_iommu_type1.c: vfio_pin_pages_remote (one
// physically contiguous chunk per call), vfio_unpin_pages_remote, vfio_lock_acct, put_pfn,
// vfio_pin_page_external / vfio_unpin_page_external and the vfio_pfn refcount helpers.
// A chunk is found as an extent of the host layout, so pinning 1 TiB costs one step per run, not per page.

import { asHostPfn, type HostPfn } from '../addr';
import type { Errno } from '../errno';
import { kernel } from '../profile';
import type { PfnRun } from '../host/memory';
import type { VfioDma } from './dma';
import type { VfioPfn } from './pfn-list';
import type { VfioIommu } from './iommu';

export interface PinnedChunk {
  pfn: number;
  npage: number;
  reserved: boolean;
}

/** vfio_lock_acct: charge (npage > 0) or release pages against dma->mm; a WARN goes into the step's trace. */
export function vfioLockAcct(iommu: VfioIommu, dma: VfioDma, npage: number): 0 | '-ENOMEM' {
  if (npage === 0) return 0;
  const r = dma.mm.accountLockedVm(Math.abs(npage), npage > 0, dma.lockCap);
  if (r.warning) iommu.trace.warnings.push(r.warning);
  if (!r.ok) return '-ENOMEM';
  dma.lockedVm += npage;
  return 0;
}

/** Externally pinned, non-reserved pages in [iovaPfn, iovaPfn + npage): already charged by vfio_pin_pages. */
function countVpfnsIn(dma: VfioDma, iovaPfn: number, npage: number): number {
  if (dma.pfnList.size === 0) return 0;
  let n = 0;
  if (dma.pfnList.size < npage) {
    for (const v of dma.pfnList.values()) if (!v.reserved && v.iovaPfn >= iovaPfn && v.iovaPfn < iovaPfn + npage) n++;
  } else {
    for (let i = 0; i < npage; i++) if (dma.pfnList.get(iovaPfn + i)?.reserved === false) n++;
  }
  return n;
}

/**
 * vfio_pin_pages_remote: the longest run from vaddrPfn whose pfns are consecutive and equally reserved,
 * at most npage pages, charged against limitPages. Returns the chunk or an errno; on error nothing stays
 * pinned or charged.
 */
export function vfioPinPagesRemote(
  iommu: VfioIommu,
  dma: VfioDma,
  vaddrPfn: number,
  npage: number,
  limitPages: number,
): PinnedChunk | Errno {
  const trace = iommu.trace;
  if (iommu.opts.disableHugepages) npage = 1;
  let pinned = 0;
  let base = -1;
  let rsvd = false;
  let hole = false;
  const scratch: PfnRun = { pfn: 0, reserved: false, pages: 0, toRegionEnd: false };
  while (pinned < npage) {
    const run = iommu.memory.run(vaddrPfn + pinned, npage - pinned, scratch);
    iommu.budget.spend(1, 'pinning (vfio_pin_pages_remote)');
    if (run === null) {
      hole = true;
      break;
    }
    if (base < 0) {
      base = run.pfn;
      rsvd = run.reserved;
    } else if (run.pfn !== base + pinned || run.reserved !== rsvd) {
      break;
    }
    pinned += run.pages;
    if (!run.toRegionEnd) break;
  }
  // Before vfio_batch (5.12) a page that cannot be pinned after the first just ends the chunk (the next
  // call fails on it); from 5.12 the failed batch refill releases the chunk in progress.
  if (hole && pinned > 0 && !kernel.pinsInBatches(iommu.profile)) hole = false;
  // Each page is charged before the next batch refill, so a limit crossed before a hole wins.
  if (!rsvd && pinned > 0) {
    const iovaPfn = dma.iovaPfn + (vaddrPfn - dma.vaddrPfn);
    const lockAcct = pinned - countVpfnsIn(dma, iovaPfn, pinned);
    const page = dma.mm.firstPageOver(limitPages);
    if (!dma.lockCap && lockAcct >= page) {
      return trace.fail(
        '-ENOMEM',
        `RLIMIT_MEMLOCK (${limitPages * 4096}) exceeded at page ${page} of this chunk (locked_vm ${dma.mm.lockedVmOut}, limit ${limitPages} pages); the chunk's pages are unpinned`,
      );
    }
    if (!hole) vfioLockAcct(iommu, dma, lockAcct);
  }
  if (hole) {
    return trace.fail(
      '-EFAULT',
      `vaddr 0x${((vaddrPfn + pinned) * 4096).toString(16)} has no VMA: pin_user_pages_remote and follow_pfnmap both fail, and the chunk in progress is released`,
    );
  }
  return { pfn: base, npage: pinned, reserved: rsvd };
}

/**
 * vfio_unpin_pages_remote: put_pfn every page; returns the non-reserved count ("unlocked"). With accounting,
 * pages still in pfn_list stay charged (locked_vm += locked − unlocked).
 */
export function vfioUnpinPagesRemote(
  iommu: VfioIommu,
  dma: VfioDma,
  iovaPfn: number,
  pfn: number,
  npage: number,
  doAccounting: boolean,
): number {
  const unlocked = npage - iommu.memory.countReserved(pfn, npage);
  if (doAccounting) vfioLockAcct(iommu, dma, countVpfnsIn(dma, iovaPfn, npage) - unlocked);
  return unlocked;
}

const externalScratch: PfnRun = { pfn: 0, reserved: false, pages: 0, toRegionEnd: false };

/** vfio_pin_page_external: one page of the mapping's process, charged when the container has no IOMMU domain. */
export function vfioPinPageExternal(
  iommu: VfioIommu,
  dma: VfioDma,
  vaddrPfn: number,
  doAccounting: boolean,
): { pfn: HostPfn; reserved: boolean } | Errno {
  const run = iommu.memory.run(vaddrPfn, 1, externalScratch);
  if (run === null) {
    return iommu.trace.fail('-EFAULT', `vaddr 0x${(vaddrPfn * 4096).toString(16)} has no VMA`);
  }
  if (doAccounting && !run.reserved && vfioLockAcct(iommu, dma, 1) !== 0) {
    return iommu.trace.fail('-ENOMEM', `RLIMIT_MEMLOCK exceeded while charging an external pin`);
  }
  return { pfn: asHostPfn(run.pfn), reserved: run.reserved };
}

/** vfio_iova_put_vfio_pfn + vfio_unpin_page_external: drop one reference; at zero unpin and uncharge. */
export function vfioUnpinPageExternal(iommu: VfioIommu, dma: VfioDma, iovaPfn: number, doAccounting: boolean): number {
  const vpfn: VfioPfn | undefined = dma.pfnList.get(iovaPfn);
  if (!vpfn) return 0;
  vpfn.refCount--;
  if (vpfn.refCount > 0) return 0;
  dma.pfnList.delete(iovaPfn);
  const unlocked = vpfn.reserved ? 0 : 1;
  if (doAccounting) vfioLockAcct(iommu, dma, -unlocked);
  return unlocked;
}
