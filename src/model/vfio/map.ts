// VFIO_IOMMU_MAP_DMA of drivers/vfio/vfio_iommu_type1.c: vfio_iommu_type1_map_dma (ioctl checks),
// vfio_dma_do_map (every check in kernel order, per profile), vfio_pin_map_dma, vfio_iommu_map,
// vfio_iommu_iova_dma_valid, vfio_change_dma_owner.

import { U64_MAX, type Hva, type VfioIova } from '../addr';
import type { Errno } from '../errno';
import { IOMMU_CACHE, IOMMU_READ, IOMMU_WRITE } from '../iommu/types';
import { kernel } from '../profile';
import { VfioDma } from './dma';
import { vfioDmaBitmapAlloc } from './dirty';
import type { VfioIommu } from './iommu';
import { vfioPinPagesRemote, vfioUnpinPagesRemote } from './pin';
import { vfioRemoveDma } from './unmap';

export const VFIO_DMA_MAP_FLAG_READ = 1;
export const VFIO_DMA_MAP_FLAG_WRITE = 2;
export const VFIO_DMA_MAP_FLAG_VADDR = 4;

/** struct vfio_iommu_type1_dma_map. */
export interface MapDmaArgs {
  argsz: number;
  flags: number;
  vaddr: Hva;
  iova: VfioIova;
  size: bigint;
}

/** vfio_iommu_type1_map_dma: the ioctl wrapper's checks, then vfio_dma_do_map. */
export function vfioIommuType1MapDma(iommu: VfioIommu, map: MapDmaArgs): 0 | Errno {
  const t = iommu.trace;
  t.path.push('vfio_iommu_type1_map_dma');
  if (map.argsz < 32)
    return t.fail('-EINVAL', `argsz ${map.argsz} < 32 (offsetofend(struct vfio_iommu_type1_dma_map, size))`);
  if (map.flags & ~kernel.mapFlagsMask(iommu.profile)) {
    return t.fail(
      '-EINVAL',
      `flags 0x${map.flags.toString(16)} has bits outside READ|WRITE${kernel.hasVaddrAndUnmapAll(iommu.profile) ? '|VADDR' : ''}`,
    );
  }
  return vfioDmaDoMap(iommu, map);
}

function wraps(start: bigint, size: bigint): boolean {
  return start + size - 1n > U64_MAX;
}

export function vfioDmaDoMap(iommu: VfioIommu, map: MapDmaArgs): 0 | Errno {
  const p = iommu.profile;
  const t = iommu.trace;
  t.path.push('vfio_dma_do_map');
  const setVaddr = (map.flags & VFIO_DMA_MAP_FLAG_VADDR) !== 0;
  const { iova, vaddr, size } = map;
  let prot = 0;
  if (map.flags & VFIO_DMA_MAP_FLAG_WRITE) prot |= IOMMU_WRITE;
  if (map.flags & VFIO_DMA_MAP_FLAG_READ) prot |= IOMMU_READ;

  const wrap = wraps(iova, size) || wraps(vaddr, size);
  if (kernel.overflowIsEoverflow(p)) {
    if (size === 0n) return t.fail('-EINVAL', 'size is 0');
    if (wrap) return t.fail('-EOVERFLOW', 'iova + size − 1 or vaddr + size − 1 overflows (check_add_overflow)');
  }
  if ((prot !== 0 && setVaddr) || (prot === 0 && !setVaddr)) {
    return t.fail(
      '-EINVAL',
      setVaddr ? 'VADDR update must not ask for READ or WRITE' : 'neither READ nor WRITE was asked for (prot 0)',
    );
  }
  const pgsize = BigInt(iommu.pgsizePages) << 12n;
  if (size === 0n || (size | iova | vaddr) % pgsize !== 0n) {
    return t.fail(
      '-EINVAL',
      size === 0n
        ? 'size is 0'
        : `size, iova or vaddr is not a multiple of the smallest IOMMU page (0x${pgsize.toString(16)})`,
    );
  }
  if (wrap) return t.fail('-EINVAL', 'iova or vaddr range wraps around 2^64');

  const iovaPfn = Number(iova >> 12n);
  const npages = Number(size >> 12n);
  const vaddrPfn = Number(vaddr >> 12n);
  const found = iommu.dmaList.findDma(iovaPfn, npages);
  if (setVaddr) {
    if (!found) return t.fail('-ENOENT', 'VADDR update: no mapping overlaps the range');
    if (!found.vaddrInvalid || found.iovaPfn !== iovaPfn || found.sizePages !== npages) {
      return t.fail(
        '-EINVAL',
        found.vaddrInvalid
          ? 'VADDR update: iova and size must equal the invalidated mapping'
          : "VADDR update: the mapping's vaddr was not invalidated first",
      );
    }
    t.path.push('vfio_change_dma_owner');
    found.vaddrPfn = vaddrPfn;
    found.vaddrInvalid = false;
    iommu.vaddrInvalidCount--;
    if (!kernel.hasVaddrBusy(p)) iommu.trace.wokeVaddrWaiters = true;
    return 0;
  }
  if (found)
    return t.fail('-EEXIST', `the range overlaps the mapping at iova 0x${(found.iovaPfn * 4096).toString(16)}`);
  if (kernel.hasDmaAvail(p) && iommu.dmaAvail === 0) {
    return t.fail('-ENOSPC', `dma_avail is 0: dma_entry_limit (${iommu.opts.dmaEntryLimit}) mappings exist`);
  }
  if (kernel.hasIovaList(p) && !vfioIommuIovaDmaValid(iommu, iova, iova + size - 1n)) {
    return t.fail('-EINVAL', 'the range is not inside one interval of iova_list (aperture minus reserved regions)');
  }

  if (kernel.hasDmaAvail(p)) iommu.dmaAvail--;
  const dma = new VfioDma(iovaPfn, vaddrPfn, prot, iommu.mm.capIpcLock, iommu.mm);
  iommu.dmaList.link(dma);
  let ret: 0 | Errno = 0;
  if (!iommu.hasDomain) {
    // Containers with only emulated groups pin nothing now: the vendor pins on demand.
    dma.sizePages = npages;
  } else {
    ret = vfioPinMapDma(iommu, dma, npages);
  }
  if (ret === 0 && iommu.dirtyPageTracking) {
    ret = vfioDmaBitmapAlloc(iommu, dma);
    if (ret !== 0) vfioRemoveDma(iommu, dma);
  }
  return ret;
}

/** vfio_iommu_iova_dma_valid: inside one iova_list interval, or the list is empty (emulated-only containers). */
export function vfioIommuIovaDmaValid(iommu: VfioIommu, start: bigint, end: bigint): boolean {
  if (iommu.iovaList.length === 0) return true;
  return iommu.iovaList.some(([lo, hi]) => start >= lo && end <= hi);
}

/** vfio_pin_map_dma: pin a chunk, map it into every domain, grow dma->size; any error removes the mapping. */
export function vfioPinMapDma(iommu: VfioIommu, dma: VfioDma, npages: number): 0 | Errno {
  const t = iommu.trace;
  t.path.push('vfio_pin_map_dma');
  const limit = iommu.mm.limitPages;
  let remaining = npages;
  let ret: 0 | Errno = 0;
  while (remaining > 0) {
    const chunk = vfioPinPagesRemote(iommu, dma, dma.vaddrPfn + dma.sizePages, remaining, limit);
    if (typeof chunk === 'string') {
      ret = chunk;
      break;
    }
    const iovaPfn = dma.iovaPfn + dma.sizePages;
    t.pinChunks.push(iovaPfn, chunk.pfn, chunk.npage, chunk.reserved ? 1 : 0);
    ret = vfioIommuMap(iommu, iovaPfn, chunk.pfn, chunk.npage, dma.prot);
    if (ret !== 0) {
      vfioUnpinPagesRemote(iommu, dma, iovaPfn, chunk.pfn, chunk.npage, true);
      break;
    }
    remaining -= chunk.npage;
    dma.sizePages += chunk.npage;
  }
  dma.iommuMapped = true;
  if (ret !== 0) vfioRemoveDma(iommu, dma);
  return ret;
}

/** vfio_iommu_map: one iommu_map per domain; a failure unmaps the domains already done, in reverse. */
export function vfioIommuMap(iommu: VfioIommu, iovaPfn: number, pfn: number, npage: number, prot: number): 0 | Errno {
  const log = kernel.hasMapPages(iommu.profile) ? iommu.trace.mapPages : undefined;
  for (let i = 0; i < iommu.domains.length; i++) {
    const d = iommu.domains[i]!.domain;
    iommu.trace.iommuMapCalls.push(d.index, iovaPfn, pfn, npage);
    const ret = d.map(iovaPfn, pfn, npage, prot | IOMMU_CACHE, log);
    if (ret !== 0) {
      for (let j = i - 1; j >= 0; j--) iommu.domains[j]!.domain.unmap(iovaPfn, npage);
      return iommu.trace.fail(ret, `iommu_map into domain ${d.id} failed`);
    }
  }
  return 0;
}
