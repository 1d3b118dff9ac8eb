// Intel VT-d second-level page-table entries (struct dma_pte of drivers/iommu/intel/iommu.h) and the
// per-level index (pfn_level_offset). Values are plain numbers: a host physical address below 2^52
// plus the low 12 attribute bits is exact.

import { IOMMU_READ, IOMMU_WRITE } from '../types';

export const DMA_PTE_READ = 1;
export const DMA_PTE_WRITE = 2;
export const DMA_PTE_LARGE_PAGE = 0x80;
export const DMA_PTE_SNP = 0x800;
/** DMA_FL_PTE_PRESENT, OR-ed into second-level leaves between 5.12 and the 2025 fix. */
const DMA_FL_PTE_PRESENT = 1;

export const ENTRIES = 512;

/** lvl_to_nr_pages by level (index 1 = 4 KiB leaf level … 6), precomputed: the walk is the hot path. */
const LEVEL_PAGES = [0, 1, 2 ** 9, 2 ** 18, 2 ** 27, 2 ** 36, 2 ** 45];

/** Pages covered by one entry at `level` (1 = 4 KiB leaf level): lvl_to_nr_pages. */
export function levelPages(level: number): number {
  return LEVEL_PAGES[level]!;
}

/** pfn_level_offset: the entry index of an iova page number at `level`. */
export function pfnLevelOffset(iovaPfn: number, level: number): number {
  if (iovaPfn <= 0xffffffff) return level > 4 ? 0 : (iovaPfn >>> (9 * (level - 1))) & 511;
  return Math.floor(iovaPfn / LEVEL_PAGES[level]!) % ENTRIES;
}

/** The R/W/SNP bits intel_iommu_map derives from IOMMU_* prot. */
export function protToAttr(prot: number, snoop: boolean): number {
  let attr = 0;
  if (prot & IOMMU_READ) attr |= DMA_PTE_READ;
  if (prot & IOMMU_WRITE) attr |= DMA_PTE_WRITE;
  if (snoop) attr |= DMA_PTE_SNP;
  return attr;
}

/**
 * A leaf as __domain_mapping writes it: address | attr | PS for superpages, | bit 0 where the profile
 * forces it (kernel.vtdLeafForcesBit0, looked up once per domain by the caller).
 */
export function encodeLeaf(physPfn: number, attr: number, level: number, forceBit0: boolean): number {
  let bits = attr;
  if (level > 1) bits |= DMA_PTE_LARGE_PAGE;
  if (forceBit0) bits |= DMA_FL_PTE_PRESENT;
  return physPfn * 4096 + bits;
}

/** A non-leaf entry: the next table's physical address | R | W (pfn_to_dma_pte). */
export function encodeTable(tablePhysPfn: number): number {
  return tablePhysPfn * 4096 + DMA_PTE_READ + DMA_PTE_WRITE;
}

/** Physical page number stored in an entry (dma_pte_addr >> 12). */
export function pteAddrPfn(value: number): number {
  return Math.floor(value / 4096);
}
