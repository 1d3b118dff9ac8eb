// Dirty page tracking of drivers/vfio/vfio_iommu_type1.c (≥5.8): vfio_iommu_type1_dirty_pages
// (START/STOP/GET_BITMAP), vfio_dma_bitmap_alloc(_all), vfio_dma_populate_bitmap,
// vfio_iommu_populate_bitmap_full, vfio_iova_dirty_bitmap and update_user_bitmap (shift, OR the
// user's leftover word, copy whole u64 words).

import type { VfioIova } from '../addr';
import { OUTPUT_ROW_UNITS } from '../budget';
import type { Errno } from '../errno';
import { kernel } from '../profile';
import type { VfioDma } from './dma';
import type { VfioIommu } from './iommu';

/** DIRTY_BITMAP_SIZE_MAX = DIRTY_BITMAP_BYTES(INT_MAX) = 256 MiB. */
export const DIRTY_BITMAP_SIZE_MAX = 1n << 28n;
const DIRTY_BITMAP_PAGES_MAX = 0x7fffffff;

export const VFIO_IOMMU_DIRTY_PAGES_FLAG_START = 1;
export const VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP = 2;
export const VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP = 4;

/** The user's bitmap buffer, zeroed by the caller as the uAPI requires. */
export interface UserBitmap {
  words: BigUint64Array;
}

/** The zeroed user buffer of bitmapSize bytes, charged as the words the step will report. */
export function userBitmap(iommu: VfioIommu, bitmapSize: bigint): UserBitmap {
  const words = Number(bitmapSize / 8n);
  iommu.budget.spend(words * OUTPUT_ROW_UNITS, 'reporting the dirty bitmap');
  return { words: new BigUint64Array(words) };
}

/** DIRTY_BITMAP_BYTES(n): n bits rounded up to u64 words, in bytes. */
export function dirtyBitmapBytes(n: bigint): bigint {
  return ((n + 63n) / 64n) * 8n;
}

function setBit(b: Uint8Array, i: number): void {
  b[i >> 3]! |= 1 << (i & 7);
}

function getBit(b: Uint8Array, i: number): boolean {
  return (b[i >> 3]! & (1 << (i & 7))) !== 0;
}

export function verifyBitmapSize(size: bigint, pgsize: bigint, bitmapSize: bigint): Errno | null {
  if (pgsize === 0n) return '-EINVAL';
  const pgshift = BigInt((pgsize & -pgsize).toString(2).length - 1);
  const npages = size >> pgshift;
  if (npages === 0n || bitmapSize === 0n || bitmapSize > DIRTY_BITMAP_SIZE_MAX) return '-EINVAL';
  if (bitmapSize < dirtyBitmapBytes(npages)) return '-EINVAL';
  return null;
}

/** vfio_dma_bitmap_alloc: DIRTY_BITMAP_BYTES(npages) + one spare u64. */
export function vfioDmaBitmapAlloc(iommu: VfioIommu, dma: VfioDma): 0 | Errno {
  const npages = dma.sizePages / iommu.pgsizePages;
  if (npages > DIRTY_BITMAP_PAGES_MAX)
    return iommu.trace.fail('-EINVAL', 'mapping has more than INT_MAX pages: no dirty bitmap');
  // One unit per u64 word: a START over many large mappings allocates them all.
  iommu.budget.spend(Math.ceil(npages / 64), 'allocating a dirty bitmap');
  dma.bitmap = new Uint8Array(Number(dirtyBitmapBytes(BigInt(npages))) + 8);
  return 0;
}

/** vfio_dma_populate_bitmap: pinned pages count as dirty. */
export function vfioDmaPopulateBitmap(dma: VfioDma): void {
  for (const v of dma.pfnList.values()) setBit(dma.bitmap!, v.iovaPfn - dma.iovaPfn);
}

/** vfio_iommu_populate_bitmap_full: every page of every mapping is dirty. */
export function vfioIommuPopulateBitmapFull(iommu: VfioIommu): void {
  for (const dma of iommu.dmaList.items) if (dma.bitmap) setRange(dma.bitmap, 0, dma.sizePages);
}

function setRange(b: Uint8Array, from: number, n: number): void {
  for (let i = from; i < from + n; i++) setBit(b, i);
}

/** vfio_pin_pages marks the page it pinned. */
export function markDirty(dma: VfioDma, iovaPfn: number): void {
  if (dma.bitmap) setBit(dma.bitmap, iovaPfn - dma.iovaPfn);
}

/**
 * update_user_bitmap: copy this mapping's bits to the user buffer at its page offset from baseIova. Whole
 * words are written; the first word keeps the user's bits below the shift (the kernel ORs them back).
 */
export function updateUserBitmap(iommu: VfioIommu, user: UserBitmap, dma: VfioDma, basePfn: number): void {
  const nbits = dma.sizePages;
  const bitOffset = dma.iovaPfn - basePfn;
  const copyOffset = Math.floor(bitOffset / 64);
  const shift = bitOffset % 64;
  if (iommu.numNonPinnedGroups > 0 && dma.iommuMapped) setRange(dma.bitmap!, 0, nbits);
  iommu.budget.spend(nbits / 64, 'copying a dirty bitmap');
  const words = Math.ceil((nbits + shift) / 64);
  for (let w = 0; w < words; w++) {
    const idx = copyOffset + w;
    if (idx >= user.words.length) break;
    let word = w === 0 && shift ? user.words[idx]! & ((1n << BigInt(shift)) - 1n) : 0n;
    for (let b = 0; b < 64; b++) {
      const src = w * 64 + b - shift;
      if (src >= 0 && src < nbits && getBit(dma.bitmap!, src)) word |= 1n << BigInt(b);
    }
    user.words[idx] = word;
  }
}

/** struct vfio_iommu_type1_dirty_bitmap + vfio_iommu_type1_dirty_bitmap_get + struct vfio_bitmap. */
export interface DirtyPagesArgs {
  argsz: number;
  flags: number;
  iova: VfioIova;
  size: bigint;
  bitmapPgsize: bigint;
  bitmapSize: bigint;
}

/** vfio_iommu_type1_dirty_pages. */
export function vfioIommuType1DirtyPages(
  iommu: VfioIommu,
  a: DirtyPagesArgs,
): { ret: 0 | Errno; bitmap: UserBitmap | null } {
  const t = iommu.trace;
  t.path.push('vfio_iommu_type1_dirty_pages');
  const fail = (ret: Errno, why: string) => ({ ret: t.fail(ret, why), bitmap: null });
  if (!kernel.hasDirtyTracking(iommu.profile))
    return fail('-ENOTTY', 'VFIO_IOMMU_DIRTY_PAGES does not exist before 5.8');
  if (!iommu.v2) return fail('-EACCES', 'dirty tracking needs a TYPE1v2 container');
  if (a.argsz < 8 || a.flags & ~7) return fail('-EINVAL', 'argsz < 8 or unknown flags');
  if (a.flags === 0 || (a.flags & (a.flags - 1)) !== 0)
    return fail('-EINVAL', 'exactly one of START, STOP, GET_BITMAP must be set');
  if (a.flags === VFIO_IOMMU_DIRTY_PAGES_FLAG_START) {
    if (!iommu.dirtyPageTracking) {
      for (const dma of iommu.dmaList.items) {
        const ret = vfioDmaBitmapAlloc(iommu, dma);
        if (ret !== 0) {
          for (const d of iommu.dmaList.items) d.bitmap = null;
          return { ret, bitmap: null };
        }
        vfioDmaPopulateBitmap(dma);
      }
      iommu.dirtyPageTracking = true;
    }
    return { ret: 0, bitmap: null };
  }
  if (a.flags === VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP) {
    if (iommu.dirtyPageTracking) {
      iommu.dirtyPageTracking = false;
      for (const dma of iommu.dmaList.items) dma.bitmap = null;
    }
    return { ret: 0, bitmap: null };
  }
  if (a.argsz - 8 < 40) return fail('-EINVAL', 'argsz leaves no room for struct vfio_iommu_type1_dirty_bitmap_get');
  if (a.iova + a.size >= 1n << 64n) {
    return kernel.overflowIsEoverflow(iommu.profile)
      ? fail('-EOVERFLOW', 'iova + size overflows')
      : fail('-EINVAL', 'iova + size wraps');
  }
  if (verifyBitmapSize(a.size, a.bitmapPgsize, a.bitmapSize))
    return fail('-EINVAL', 'verify_bitmap_size refused the bitmap');
  const pgsize = BigInt(iommu.pgsizePages) << 12n;
  if (a.bitmapPgsize !== pgsize) return fail('-EINVAL', 'bitmap pgsize is not the smallest IOMMU page');
  if (a.iova % pgsize !== 0n) return fail('-EINVAL', 'iova is not aligned');
  if (a.size === 0n || a.size % pgsize !== 0n) return fail('-EINVAL', 'size is 0 or not aligned');
  if (!iommu.dirtyPageTracking) return fail('-EINVAL', 'dirty page tracking is not started');
  const startPfn = Number(a.iova >> 12n);
  const endPfn = Number((a.iova + a.size) >> 12n);
  const first = iommu.dmaList.findDma(startPfn, 1);
  if (first && first.iovaPfn !== startPfn) return fail('-EINVAL', 'the range starts inside a mapping');
  const last = iommu.dmaList.findDma(endPfn - 1, 1);
  if (last && last.endPfn !== endPfn) return fail('-EINVAL', 'the range ends inside a mapping');
  const bitmap = userBitmap(iommu, a.bitmapSize);
  for (const dma of iommu.dmaList.items) {
    if (dma.iovaPfn < startPfn) continue;
    if (dma.iovaPfn > endPfn - 1) break;
    updateUserBitmap(iommu, bitmap, dma, startPfn);
    dma.bitmap!.fill(0);
    vfioDmaPopulateBitmap(dma);
  }
  return { ret: 0, bitmap };
}
