// One IOMMU domain as the IOMMU core sees it: drivers/iommu/iommu.c (__iommu_map, __iommu_unmap,
// iommu_pgsize) over the Intel VT-d driver's entry points (intel_iommu_map_pages / intel_iommu_map,
// intel_iommu_unmap_pages, intel_iommu_iova_to_phys, domain_super_pgsize_bitmap). Sizes are in
// 4 KiB pages as plain numbers; the byte-level entries check alignment first as the core does.

import { addrOf, pfnOf } from '../addr';
import type { WorkBudget } from '../budget';
import type { Errno } from '../errno';
import { ffs, fls, modPow2 } from '../lib/bits';
import { kernel, type Profile } from '../profile';
import type { LeafCounts, MapPagesLog, VtdConfig } from './types';
import { ORDER_1G, ORDER_2M, ORDER_4K } from './types';
import { protToAttr } from './vtd/pte';
import { VtdPageTable } from './vtd/table';

/** INTEL_IOMMU_PGSIZES before 5.15: every power of two from 4 KiB (~0xFFF). */
const ALL_POWERS_OF_TWO = 0xfffffffffffff000n;

/** domain_super_pgsize_bitmap (≥5.15): 4K, plus 2M and 1G as the hardware supports them. */
export function vtdPgsizeBitmap(cfg: VtdConfig, profile: Profile): bigint {
  if (!kernel.hasMapPages(profile)) return ALL_POWERS_OF_TWO;
  let bitmap = 1n << 12n;
  if (cfg.superpageSupport >= 1) bitmap |= 1n << 21n;
  if (cfg.superpageSupport >= 2) bitmap |= 1n << 30n;
  return bitmap;
}

/** The page orders (log2 of the size in 4 KiB pages) a bitmap allows, ascending. */
function ordersOf(bitmap: bigint): number[] {
  const orders: number[] = [];
  for (let bit = 12; bit < 64; bit++) if ((bitmap >> BigInt(bit)) & 1n) orders.push(bit - 12);
  return orders;
}

/** Alignment order of a page number (__ffs); 0 constrains nothing. */
function lowOrder(pfn: number): number {
  return pfn === 0 ? Infinity : ffs(pfn);
}

export interface PgsizeChoice {
  order: number;
  count: number;
}

/** 2^k for every page order a bitmap can hold, looked up rather than computed on the hot path. */
const POW2 = Array.from({ length: 53 }, (_, k) => 2 ** k);

/** iommu_pgsize, step 1–3: index in `orders` of the largest page fitting both alignments and the size. */
function pgsizeIndex(orders: number[], iovaPfn: number, physPfn: number, pages: number): number {
  const alignOrder = Math.min(lowOrder(iovaPfn), lowOrder(physPfn));
  const sizeOrder = fls(pages);
  let k = -1;
  for (let i = 0; i < orders.length; i++) {
    const o = orders[i]!;
    if (o > sizeOrder || o > alignOrder) break;
    k = i;
  }
  if (k < 0) throw new Error('iommu_pgsize: no page size fits (BUG_ON)');
  return k;
}

/** iommu_pgsize, step 4 (≥5.15): how many pages of orders[k] before a larger page could take over. */
function pgsizeCount(orders: number[], k: number, iovaPfn: number, physPfn: number, pages: number): number {
  const pgsize = POW2[orders[k]!]!;
  const nextOrder = orders[k + 1];
  if (nextOrder === undefined) return Math.floor(pages / pgsize);
  const next = POW2[nextOrder]!;
  const offsetInNext = next <= 2 ** 31 ? modPow2(iovaPfn, next) : iovaPfn % next;
  if (offsetInNext !== (next <= 2 ** 31 ? modPow2(physPfn, next) : physPfn % next)) return Math.floor(pages / pgsize);
  const offset = next - offsetInNext;
  return Math.floor((offset + next <= pages ? offset : pages) / pgsize);
}

/**
 * iommu_pgsize (≥5.15) in page units: the largest supported page that fits both alignments and the size,
 * and how many of them to map before a larger page could take over. Before 5.15 the count is 1.
 */
export function iommuPgsize(
  orders: number[],
  iovaPfn: number,
  physPfn: number,
  pages: number,
  withCount: boolean,
): PgsizeChoice {
  const k = pgsizeIndex(orders, iovaPfn, physPfn, pages);
  return { order: orders[k]!, count: withCount ? pgsizeCount(orders, k, iovaPfn, physPfn, pages) : 1 };
}

export class IommuDomain {
  readonly table: VtdPageTable;
  readonly pgsizeBitmap: bigint;
  /** Second-level geometry: [0, 2^gaw − 1]. */
  readonly aperture: [bigint, bigint];
  private readonly orders: number[];
  private readonly withCount: boolean;

  constructor(
    readonly id: string,
    readonly cfg: VtdConfig,
    readonly profile: Profile,
    budget: WorkBudget,
    /** Creation order in the container, so logs name domains stably. */
    readonly index: number,
    pgsizeOverride: bigint | null = null,
  ) {
    this.table = new VtdPageTable(cfg.levels, cfg.superpageSupport, profile, budget);
    this.pgsizeBitmap = pgsizeOverride ?? vtdPgsizeBitmap(cfg, profile);
    this.orders = ordersOf(this.pgsizeBitmap);
    this.aperture = [0n, (1n << BigInt(cfg.gawBits)) - 1n];
    this.withCount = kernel.hasMapPages(profile);
  }

  /** __iommu_map for page-aligned arguments: split by iommu_pgsize, hand each piece to the driver. */
  map(iovaPfn: number, physPfn: number, pages: number, prot: number, log?: MapPagesLog): 0 | Errno {
    if (this.orders.length === 0) return '-ENODEV';
    const orders = this.orders;
    const min = POW2[orders[0]!]!;
    if (iovaPfn % min !== 0 || physPfn % min !== 0 || pages % min !== 0) return '-EINVAL';
    let iova = iovaPfn;
    let phys = physPfn;
    let left = pages;
    while (left > 0) {
      const k = pgsizeIndex(orders, iova, phys, left);
      const order = orders[k]!;
      const count = this.withCount ? pgsizeCount(orders, k, iova, phys, left) : 1;
      log?.push(this.index, iova, phys, order, count);
      const mapped = count * POW2[order]!;
      const ret = this.driverMap(iova, phys, order, mapped, prot);
      if (ret !== 0) {
        if (pages - left > 0) this.unmap(iovaPfn, pages - left);
        return ret;
      }
      iova += mapped;
      phys += mapped;
      left -= mapped;
    }
    return 0;
  }

  /** __iommu_unmap: returns the pages the driver reports, which can exceed the request (superpages). */
  unmap(iovaPfn: number, pages: number): number {
    if (this.orders.length === 0) return 0;
    const orders = this.orders;
    const min = POW2[orders[0]!]!;
    if (iovaPfn % min !== 0 || pages % min !== 0) return 0;
    let unmapped = 0;
    let iova = iovaPfn;
    while (unmapped < pages) {
      const left = pages - unmapped;
      const k = pgsizeIndex(orders, iova, iova, left);
      const count = this.withCount ? pgsizeCount(orders, k, iova, iova, left) : 1;
      const got = this.table.unmap(iova, count * POW2[orders[k]!]!);
      if (got === 0) break;
      iova += got;
      unmapped += got;
    }
    return unmapped;
  }

  /** iommu_map with byte arguments: -EINVAL unless iova, paddr and size are multiples of the smallest page. */
  mapBytes(iova: bigint, paddr: bigint, size: bigint, prot: number, log?: MapPagesLog): 0 | Errno {
    if (this.orders.length === 0) return '-ENODEV';
    const min = 1n << BigInt(this.orders[0]! + 12);
    if ((iova | paddr | size) % min !== 0n) return '-EINVAL';
    if (size === 0n) return 0;
    return this.map(pfnOf(iova), pfnOf(paddr), pfnOf(size), prot, log);
  }

  /** iommu_unmap with byte arguments: 0 when iova or size is not a multiple of the smallest page. */
  unmapBytes(iova: bigint, size: bigint): bigint {
    if (this.orders.length === 0) return 0n;
    const min = 1n << BigInt(this.orders[0]! + 12);
    if ((iova | size) % min !== 0n) return 0n;
    return addrOf(this.unmap(pfnOf(iova), pfnOf(size)));
  }

  iovaToPhysPfn(iovaPfn: number): number {
    return this.table.iovaToPhysPfn(iovaPfn);
  }

  forEachLeaf(fromPfn: number, toPfn: number, fn: (iovaPfn: number, physPfn: number, pages: number) => void): void {
    this.table.forEachLeaf(fromPfn, toPfn, fn);
  }

  leafCounts(): LeafCounts {
    return this.table.leafCounts();
  }

  get newTablePages(): number {
    return this.table.tablesAllocated;
  }

  level1Tables(): Array<{ covers: [bigint, bigint]; usedEntries: number }> {
    return this.table
      .level1Tables()
      .map((t) => ({ covers: [addrOf(t.lo), addrOf(t.hi + 1) - 1n], usedEntries: t.usedEntries }));
  }

  /**
   * intel_iommu_map_pages (≥5.15) / intel_iommu_map: page-size and alignment checks, the domain width
   * (-EFAULT), then __domain_mapping. Snoop: the domain sets SNP on every leaf when it enforces cache
   * coherency, which type1 asks for on snoop-control hardware (older kernels: IOMMU_CACHE, which type1
   * always passes there).
   */
  private driverMap(iovaPfn: number, physPfn: number, order: number, pages: number, prot: number): 0 | Errno {
    if (this.withCount) {
      if (order !== ORDER_4K && order !== ORDER_2M && order !== ORDER_1G) return '-EINVAL';
      const pg = POW2[order]!;
      if (iovaPfn % pg !== 0 || physPfn % pg !== 0) return '-EINVAL';
    }
    if (iovaPfn + pages > POW2[this.cfg.gawBits - 12]!) return '-EFAULT';
    return this.table.domainMapping(iovaPfn, physPfn, pages, protToAttr(prot, this.cfg.snoopControl));
  }
}
