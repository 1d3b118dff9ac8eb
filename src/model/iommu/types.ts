// Shapes shared by the IOMMU core (drivers/iommu/iommu.c) and its drivers (drivers/iommu/intel/):
// prot bits of <linux/iommu.h> and the per-call records the visualiser and the case format show.

import type { ColumnLog } from '../lib/columns';

/** IOMMU_READ, IOMMU_WRITE, IOMMU_CACHE from include/linux/iommu.h. */
export const IOMMU_READ = 1;
export const IOMMU_WRITE = 2;
export const IOMMU_CACHE = 4;

/** Page orders (log2 of the size in 4 KiB pages) of the VT-d leaf sizes. */
export const ORDER_4K = 0;
export const ORDER_2M = 9;
export const ORDER_1G = 18;

/** core → driver ->map_pages calls: iova/phys in pages, pgsize as an order, count of pages of that size. */
export type MapPagesLog = ColumnLog<'domain' | 'iovaPfn' | 'physPfn' | 'order' | 'count'>;

export interface LeafCounts {
  '4K': number;
  '2M': number;
  '1G': number;
}

/** Leaves of every size. */
export const leafTotal = (c: LeafCounts): number => c['4K'] + c['2M'] + c['1G'];

export interface VtdConfig {
  levels: 4 | 5;
  gawBits: number;
  /** 0 none, 1 2 MiB, 2 2 MiB + 1 GiB (cap_super_page_val). */
  superpageSupport: 0 | 1 | 2;
  snoopControl: boolean;
}
