// External (vendor) pinning for mediated devices: vfio_pin_pages / vfio_unpin_pages of
// drivers/vfio/vfio_main.c and container.c (≥6.0 iova form; 4.10–5.19 user_pfn[] form in vfio.c), and
// vfio_iommu_type1_pin_pages / vfio_iommu_type1_unpin_pages of drivers/vfio/vfio_iommu_type1.c.

import { asIovaPfn, type HostPfn, type IovaPfn, type VfioIova } from '../addr';
import type { Errno } from '../errno';
import { kernel } from '../profile';
import { markDirty } from './dirty';
import { VendorBlocked, type VfioIommu, type VfioIommuGroup } from './iommu';
import { vfioPinPageExternal, vfioUnpinPageExternal } from './pin';

/**
 * Pages pinned through vfio_pin_pages the model holds at once, across the container: each is an object
 * (and a design's entry beside it), so past this it stops with a message rather than exhaust memory.
 */
export const MAX_EXTERNAL_PINS = 1 << 22;

/** VFIO_PIN_PAGES_MAX_ENTRIES = PAGE_SIZE / sizeof(unsigned long). */
export const VFIO_PIN_PAGES_MAX_ENTRIES = 512;

export interface PinResult {
  /** 'BLOCKED': the caller sleeps in vfio_wait (5.12–6.2). */
  ret: number | Errno | 'BLOCKED' | null;
  pfns: HostPfn[] | null;
}

/** The device a vendor call comes from: an emulated group's device, or a physical group's (no dma_unmap op). */
export interface PinCaller {
  group: VfioIommuGroup | undefined;
  open: boolean;
  hasDmaUnmap: boolean;
}

export function pinCaller(iommu: VfioIommu, deviceId: string | undefined): PinCaller {
  const group =
    deviceId === undefined ? iommu.emulatedGroups[iommu.emulatedGroups.length - 1] : iommu.findGroup(deviceId);
  if (!group) return { group: undefined, open: false, hasDmaUnmap: false };
  if (group.spec.kind === 'emulated')
    return { group, open: group.spec.deviceRegistered, hasDmaUnmap: group.spec.hasDmaUnmapOp };
  return { group, open: true, hasDmaUnmap: false };
}

/** vfio_pin_pages (≥6.0): npage consecutive iova pages from iova. */
export function vfioPinPages(
  iommu: VfioIommu,
  caller: PinCaller,
  iova: VfioIova,
  npage: number,
  prot: number,
): PinResult {
  const overflows = iova + BigInt(npage) * 4096n - 1n >= 1n << 64n;
  return pinPagesChecked(iommu, caller, Number(iova >> 12n), npage, prot, overflows);
}

/** vfio_pin_pages at iova = iovaPfn << PAGE_SHIFT, for vendor models that already hold page numbers. */
export function vfioPinPagesPfn(
  iommu: VfioIommu,
  caller: PinCaller,
  iovaPfn: IovaPfn,
  npage: number,
  prot: number,
): PinResult & { ret: Exclude<PinResult['ret'], 'BLOCKED'> } {
  const r = pinPagesChecked(iommu, caller, iovaPfn, npage, prot, iovaPfn + npage > 2 ** 52);
  // The vendor's thread sleeps inside its own call; the model stops the case there rather than resume it.
  if (r.ret === 'BLOCKED') throw new VendorBlocked(iommu.trace.reason ?? 'vfio_pin_pages sleeps in vfio_wait');
  return { ret: r.ret, pfns: r.pfns };
}

function pinPagesChecked(
  iommu: VfioIommu,
  caller: PinCaller,
  iovaPfn: number,
  npage: number,
  prot: number,
  overflows: boolean,
): PinResult {
  const t = iommu.trace;
  const p = iommu.profile;
  t.path.push('vfio_pin_pages');
  const fail = (e: Errno, why: string) => failed(t, e, why);
  if (npage === 0 || !caller.open)
    return fail('-EINVAL', npage === 0 ? 'npage is 0' : 'the device is not open (vfio_assert_device_open)');
  if (kernel.hasVaddrBusy(p) && !caller.hasDmaUnmap)
    return fail('-EINVAL', 'the device has no dma_unmap op: it could never honour an unmap');
  t.path.push('vfio_device_container_pin_pages');
  if (npage > VFIO_PIN_PAGES_MAX_ENTRIES) return fail('-E2BIG', `npage ${npage} > VFIO_PIN_PAGES_MAX_ENTRIES (512)`);
  if (kernel.pinPagesChecksOverflow(p)) {
    if (npage < 0) return fail('-EINVAL', 'npage is negative');
    if (overflows) return fail('-EOVERFLOW', 'iova + npage pages overflows');
  }
  return vfioIommuType1PinPages(iommu, caller, { first: iovaPfn, npage, list: null }, prot, true);
}

function failed(t: VfioIommu['trace'], e: Errno, why: string): PinResult {
  return { ret: t.fail(e, why), pfns: null };
}

/** The iova pages of one call: consecutive from `first` (≥6.0), or the old form's user_pfn[] list. */
interface IovaPages {
  first: number;
  npage: number;
  list: number[] | null;
}

/** Pages in a u64 iova space: `iova + PAGE_SIZE * i` wraps past the top, as the kernel's u64 sum does. */
const IOVA_PAGES = 2 ** 52;

/** Page k of the call. */
function pageOf(pages: IovaPages, k: number): IovaPfn {
  return asIovaPfn(pages.list ? pages.list[k]! : (pages.first + k) % IOVA_PAGES);
}

function externalPins(iommu: VfioIommu): number {
  let n = 0;
  for (const d of iommu.dmaList.items) n += d.pfnList.size;
  return n;
}

/** vfio_pin_pages (4.10–5.19): user_pfn[] are iova page numbers, phys_pfn[] receives host pfns. */
export function vfioPinPagesOld(iommu: VfioIommu, caller: PinCaller, userPfn: IovaPfn[], prot: number): PinResult {
  const t = iommu.trace;
  t.path.push('vfio_pin_pages');
  if (userPfn.length === 0) return { ret: t.fail('-EINVAL', 'npage is 0'), pfns: null };
  if (userPfn.length > VFIO_PIN_PAGES_MAX_ENTRIES)
    return { ret: t.fail('-E2BIG', 'npage > VFIO_PIN_PAGES_MAX_ENTRIES (512)'), pfns: null };
  if (!caller.group) return { ret: t.fail('-ENODEV', 'the device has no group'), pfns: null };
  return vfioIommuType1PinPages(iommu, caller, { first: 0, npage: userPfn.length, list: userPfn }, prot, false);
}

/**
 * 5.12–6.2, the `again:` loop of vfio_iommu_type1_pin_pages: each requested iova goes through
 * vfio_find_dma_valid. One outside every mapping is -EINVAL; one whose mapping's vaddr is invalid puts the
 * caller to sleep in vfio_wait until QEMU supplies the vaddr (MAP_DMA with VFIO_DMA_MAP_FLAG_VADDR), the
 * mapping is removed, or the container closes (then -EFAULT). Mappings that are valid do not wait.
 */
function waitForValidVaddrs(iommu: VfioIommu, pages: IovaPages): '-EINVAL' | 'BLOCKED' | null {
  const t = iommu.trace;
  t.path.push('vfio_find_dma_valid');
  for (let i = 0; i < pages.npage; i++) {
    const iovaPfn = pageOf(pages, i);
    const dma = iommu.dmaList.findDma(iovaPfn, 1);
    if (!dma) return t.fail('-EINVAL', `iova 0x${(iovaPfn * 4096).toString(16)} is not inside any mapping`);
    if (dma.vaddrInvalid) {
      t.path.push('vfio_wait');
      return t.fail(
        'BLOCKED',
        `iova 0x${(iovaPfn * 4096).toString(16)} lies in the mapping at 0x${(dma.iovaPfn * 4096).toString(16)}, whose vaddr is invalid: ` +
          'the caller sleeps in vfio_wait (TASK_KILLABLE) until VFIO_IOMMU_MAP_DMA with VFIO_DMA_MAP_FLAG_VADDR supplies it, ' +
          'the mapping is unmapped, or the container is closed (then -EFAULT)',
      );
    }
  }
  return null;
}

/** vfio_iommu_type1_pin_pages: per page, reuse a vfio_pfn (ref++) or pin and charge a new one; unwind on error. */
function vfioIommuType1PinPages(
  iommu: VfioIommu,
  caller: PinCaller,
  pages: IovaPages,
  prot: number,
  needsStructPage: boolean,
): PinResult {
  const t = iommu.trace;
  const p = iommu.profile;
  t.path.push('vfio_iommu_type1_pin_pages');
  if (!iommu.v2) return { ret: t.fail('-EACCES', 'external pinning needs a TYPE1v2 container'), pfns: null };
  if (kernel.hasVaddrAndUnmapAll(p) && iommu.vaddrInvalidCount > 0) {
    if (kernel.hasVaddrBusy(p)) {
      t.warnings.push('WARN_ONCE(iommu->vaddr_invalid_count): vfio_pin_pages not allowed with VFIO_UPDATE_VADDR');
      return { ret: t.fail('-EBUSY', 'a mapping has an invalid vaddr (VFIO_UPDATE_VADDR in progress)'), pfns: null };
    }
    const blocked = waitForValidVaddrs(iommu, pages);
    if (blocked) return { ret: blocked, pfns: null };
  }
  if (iommu.deviceList.length === 0)
    return { ret: t.fail('-EINVAL', 'no device is registered for DMA-unmap notification'), pfns: null };
  const doAccounting = !iommu.hasDomain;
  const pfns: HostPfn[] = [];
  // vfio_pfn objects held across the container, counted when the first new one is needed.
  let live = -1;
  let err: Errno | null = null;
  let i = 0;
  const at = (k: number) => pageOf(pages, k);
  for (; i < pages.npage; i++) {
    const iovaPfn = at(i);
    const dma = iommu.dmaList.findDma(iovaPfn, 1);
    if (!dma) {
      err = t.fail('-EINVAL', `iova 0x${(iovaPfn * 4096).toString(16)} is not inside any mapping`);
      break;
    }
    if ((dma.prot & prot) !== prot) {
      err = t.fail('-EPERM', 'the mapping does not allow the requested prot');
      break;
    }
    const vpfn = dma.pfnList.get(iovaPfn);
    if (vpfn) {
      vpfn.refCount++;
      pfns.push(vpfn.pfn);
      continue;
    }
    if (live < 0) live = externalPins(iommu);
    if (live >= MAX_EXTERNAL_PINS) {
      throw new Error(
        `the model keeps one vfio_pfn per page pinned through vfio_pin_pages and holds at most ${MAX_EXTERNAL_PINS.toLocaleString('en-US')} (16 GiB of 4 KiB pages) at once: pin fewer pages (pin-sparse) or use a smaller region`,
      );
    }
    live++;
    const got = vfioPinPageExternal(iommu, dma, dma.vaddrPfn + (iovaPfn - dma.iovaPfn), doAccounting);
    if (typeof got === 'string') {
      err = got;
      break;
    }
    if (needsStructPage && got.reserved) {
      err = t.fail('-EINVAL', `pfn 0x${got.pfn.toString(16)} has no struct page (!pfn_valid)`);
      break;
    }
    dma.pfnList.set(iovaPfn, { iovaPfn, pfn: got.pfn, refCount: 1, reserved: got.reserved });
    pfns.push(got.pfn);
    if (iommu.dirtyPageTracking) markDirty(dma, iovaPfn);
  }
  if (err) {
    for (let j = 0; j < i; j++) {
      const dma = iommu.dmaList.findDma(at(j), 1);
      if (dma) vfioUnpinPageExternal(iommu, dma, at(j), doAccounting);
    }
    return { ret: err, pfns: null };
  }
  const group = caller.group;
  if (group && !group.pinnedPageDirtyScope) {
    group.pinnedPageDirtyScope = true;
    iommu.numNonPinnedGroups--;
  }
  return { ret: pages.npage, pfns };
}

/** vfio_unpin_pages + vfio_iommu_type1_unpin_pages of npage pages from iovaPfn: stop at the first page outside every mapping. */
export function vfioUnpinPages(iommu: VfioIommu, iovaPfn: IovaPfn, npage: number): number | Errno {
  const t = iommu.trace;
  t.path.push('vfio_unpin_pages', 'vfio_iommu_type1_unpin_pages');
  if (npage === 0) return t.fail('-EINVAL', 'npage is 0');
  if (npage > VFIO_PIN_PAGES_MAX_ENTRIES) return t.fail('-E2BIG', 'npage > 512');
  if (!iommu.v2) return t.fail('-EACCES', 'external pinning needs a TYPE1v2 container');
  if (kernel.pinPagesChecksOverflow(iommu.profile) && iovaPfn + npage > IOVA_PAGES) {
    t.warnings.push(
      'WARN_ON(check_add_overflow(iova, npage * PAGE_SIZE)) in vfio_iommu_type1_unpin_pages: nothing is unpinned',
    );
    return 0;
  }
  const doAccounting = !iommu.hasDomain;
  let i = 0;
  for (; i < npage; i++) {
    const page = asIovaPfn((iovaPfn + i) % IOVA_PAGES);
    const dma = iommu.dmaList.findDma(page, 1);
    if (!dma) break;
    vfioUnpinPageExternal(iommu, dma, page, doAccounting);
  }
  return i > 0 ? i : t.fail('-EINVAL', 'the first page is not inside any mapping');
}
