// The Intel VT-d second-level page table, literally: 4 KiB table pages of 512 entries, 4 or 5 levels,
// 4K/2M/1G leaves. Mirrors drivers/iommu/intel/iommu.c: pfn_to_dma_pte, hardware_largepage_caps,
// switch_to_super_page, __domain_mapping, intel_iommu_unmap → domain_unmap → dma_pte_clear_level,
// dma_pte_list_pagetables, and intel_iommu_iova_to_phys.

import type { WorkBudget } from '../../budget';
import type { Errno } from '../../errno';
import { kernel, type Profile } from '../../profile';
import { modPow2 } from '../../lib/bits';
import type { LeafCounts } from '../types';
import {
  DMA_PTE_READ,
  DMA_PTE_WRITE,
  ENTRIES,
  encodeLeaf,
  encodeTable,
  levelPages,
  pfnLevelOffset,
  pteAddrPfn,
} from './pte';

/** One 4 KiB page-table page. `next[i]` is set exactly when entry i points to a lower table. */
interface Table {
  level: number;
  /** First iova page number the table covers. */
  basePfn: number;
  physPfn: number;
  entries: Float64Array;
  next: Array<Table | undefined> | null;
  /** Present entries (leaves and table pointers). */
  used: number;
}

export interface Leaf {
  iovaPfn: number;
  level: number;
  value: number;
}

/** One level of a page walk: the table page, the index into it and the entry found there. */
export interface WalkStep {
  level: number;
  tablePhysPfn: number;
  index: number;
  value: number;
  leaf: boolean;
}

export interface Level1Table {
  /** First and last iova page number covered. */
  lo: number;
  hi: number;
  usedEntries: number;
}

/**
 * Page-table pages come from the kernel's page allocator, not from the guest's memory; the model hands
 * them out from a pool far above any host frame a scenario names, so addresses in non-leaf entries
 * are recognisably table pages.
 */
const TABLE_POOL_PFN = 2 ** 36;

/** Ranges the change journal holds before it collapses them into one. */
const MAX_CHANGED = 1024;

export class VtdPageTable {
  private readonly root: Table;
  private readonly pfnLimit: number;
  private readonly leafBit0: boolean;
  private nextTablePfn = TABLE_POOL_PFN;
  /** Leaf counts by level (index 1 = 4K, 2 = 2M, 3 = 1G). */
  private readonly leafCount = [0, 0, 0, 0, 0, 0];
  /** Table pages allocated since the domain was created, the root excluded. */
  tablesAllocated = 0;
  tablesFreed = 0;
  /** Entries that were already present when __domain_mapping wanted them ("DMA PTE … already set"). */
  alreadySet = 0;
  /**
   * Iova page ranges [lo, hi) whose entries were written or cleared since the last takeChanged(), as flat
   * pairs in the order written (a range that meets the last one grows it; others may overlap earlier
   * ones); past MAX_CHANGED ranges they collapse into the one range covering them all.
   * A reader (the page's inspector) re-reads only these instead of the whole table. Not kernel state.
   */
  private changed: number[] = [];

  constructor(
    readonly levels: 4 | 5,
    /** 0 none, 1 2 MiB, 2 2 MiB + 1 GiB: domain->iommu_superpage. */
    readonly superpage: 0 | 1 | 2,
    profile: Profile,
    private readonly budget: WorkBudget,
  ) {
    this.pfnLimit = 2 ** (9 * levels);
    this.leafBit0 = kernel.vtdLeafForcesBit0(profile);
    this.root = this.newTable(levels, 0);
  }

  /** domain_pfn_supported: the table's width is 9 bits per level above the 12-bit page offset. */
  pfnSupported(pfn: number): boolean {
    return pfn < this.pfnLimit;
  }

  /** The ranges changed since the last call (see `changed`), and a fresh journal. */
  takeChanged(): number[] {
    const c = this.changed;
    this.changed = [];
    return c;
  }

  leafCounts(): LeafCounts {
    return { '4K': this.leafCount[1]!, '2M': this.leafCount[2]!, '1G': this.leafCount[3]! };
  }

  /** hardware_largepage_caps: the largest level both page numbers are aligned to and `pages` fills. */
  largepageCaps(iovPfn: number, physPfn: number, pages: number): number {
    let support = this.superpage;
    let level = 1;
    let iov = iovPfn;
    let phys = physPfn;
    let left = pages;
    while (support > 0 && modPow2(iov, ENTRIES) === 0 && modPow2(phys, ENTRIES) === 0) {
      left = Math.floor(left / ENTRIES);
      if (left === 0) break;
      iov /= ENTRIES;
      phys /= ENTRIES;
      level++;
      support--;
    }
    return level;
  }

  /**
   * __domain_mapping. `attr` holds DMA_PTE_READ/WRITE/SNP. Returns 0 or -EINVAL; an entry that is already
   * present is kept (the kernel logs "already set" and carries on).
   */
  domainMapping(iovPfn: number, physPfn: number, nrPages: number, attr: number): 0 | Errno {
    if (!this.pfnSupported(iovPfn + nrPages - 1)) return '-EINVAL';
    if ((attr & (DMA_PTE_READ | DMA_PTE_WRITE)) === 0) return '-EINVAL';
    let iov = iovPfn;
    let phys = physPfn;
    let nr = nrPages;
    while (nr > 0) {
      const level = this.largepageCaps(iov, phys, nr);
      const lvlPages = levelPages(level);
      const table = this.walkTo(iov, level);
      if (!table) {
        // A superpage above already covers iov. The kernel would walk into the data page as if it were a
        // table; VFIO's overlap checks keep that from happening, so the model keeps the superpage.
        const skip = this.coveringLeafEnd(iov) - iov;
        this.alreadySet++;
        nr -= Math.min(skip, nr);
        iov += skip;
        phys += skip;
        continue;
      }
      let idx = pfnLevelOffset(iov, level);
      if (level > 1) {
        const slots = Math.min(Math.floor(nr / lvlPages), ENTRIES - idx);
        this.switchToSuperPage(table, idx, slots);
      }
      let written = 0;
      do {
        if (table.entries[idx] === 0) {
          table.entries[idx] = encodeLeaf(phys, attr, level, this.leafBit0);
          table.used++;
          this.leafCount[level]!++;
          this.touch(iov, iov + lvlPages);
        } else {
          this.alreadySet++;
        }
        nr -= lvlPages;
        iov += lvlPages;
        phys += lvlPages;
        idx++;
        written++;
      } while (nr > 0 && idx < ENTRIES && !(level > 1 && nr < lvlPages));
      this.budget.spend(written, 'writing IOMMU page-table entries');
    }
    return 0;
  }

  /**
   * intel_iommu_unmap for [iovaPfn, iovaPfn + pages): the size grows to the whole leaf found at iovaPfn
   * (or to the level of the first absent entry). Returns the pages reported unmapped, or 0.
   */
  unmap(iovaPfn: number, pages: number): number {
    if (!this.pfnSupported(iovaPfn)) return 0;
    const level = this.leafLevelAt(iovaPfn);
    const size = Math.max(pages, levelPages(level));
    const last = iovaPfn + size - 1;
    // domain_unmap WARNs and does nothing past the width, but intel_iommu_unmap still reports `size`.
    if (this.pfnSupported(last)) this.clearLevel(this.root, iovaPfn, last);
    return size;
  }

  /** intel_iommu_iova_to_phys in page units: the host page behind iovaPfn, or -1. */
  iovaToPhysPfn(iovaPfn: number): number {
    if (!this.pfnSupported(iovaPfn)) return -1;
    let t = this.root;
    for (;;) {
      const idx = pfnLevelOffset(iovaPfn, t.level);
      const v = t.entries[idx]!;
      if (v === 0) return -1;
      const child = t.next?.[idx];
      if (!child) return pteAddrPfn(v) + (iovaPfn % levelPages(t.level));
      t = child;
    }
  }

  /** Every leaf overlapping [fromPfn, toPfn), in iova order: fn(leafIovaPfn, leafPhysPfn, leafPages). */
  forEachLeaf(fromPfn: number, toPfn: number, fn: (iovaPfn: number, physPfn: number, pages: number) => void): void {
    this.forEachLeafEntry((iova, level, value) => fn(iova, pteAddrPfn(value), levelPages(level)), fromPfn, toPfn);
  }

  /**
   * The walk the hardware does for iovaPfn (pfn_to_dma_pte without allocating): the table page, index and
   * entry at each level from the root, ending at a leaf or an empty entry.
   */
  walk(iovaPfn: number): WalkStep[] {
    const out: WalkStep[] = [];
    if (!this.pfnSupported(iovaPfn)) return out;
    let t = this.root;
    for (;;) {
      const index = pfnLevelOffset(iovaPfn, t.level);
      const value = t.entries[index]!;
      const child = t.next?.[index];
      out.push({ level: t.level, tablePhysPfn: t.physPfn, index, value, leaf: value !== 0 && !child });
      if (!child) return out;
      t = child;
    }
  }

  /**
   * Every present leaf overlapping [fromPfn, toPfn) (the whole table by default) in iova order: fn(first
   * iova page it covers, level, raw entry).
   */
  forEachLeafEntry(
    fn: (iovaPfn: number, level: number, value: number) => void,
    fromPfn = 0,
    toPfn = this.pfnLimit,
  ): void {
    const visit = (t: Table) => {
      const span = levelPages(t.level);
      const from = Math.max(0, Math.floor((fromPfn - t.basePfn) / span));
      const to = Math.min(ENTRIES - 1, Math.floor((toPfn - 1 - t.basePfn) / span));
      for (let i = from; i <= to; i++) {
        const v = t.entries[i]!;
        if (v === 0) continue;
        const child = t.next?.[i];
        if (child) visit(child);
        else fn(t.basePfn + i * span, t.level, v);
      }
    };
    if (toPfn > fromPfn) visit(this.root);
  }

  /** The iova pages [lo, hi) of the leaf holding iovaPfn, or null when nothing maps it. */
  leafSpanAt(iovaPfn: number): [number, number] | null {
    if (!this.pfnSupported(iovaPfn)) return null;
    let t = this.root;
    for (;;) {
      const idx = pfnLevelOffset(iovaPfn, t.level);
      const child = t.next?.[idx];
      if (child) {
        t = child;
        continue;
      }
      if (t.entries[idx] === 0) return null;
      const span = levelPages(t.level);
      return [t.basePfn + idx * span, t.basePfn + (idx + 1) * span];
    }
  }

  /** Every table page in use, root first then in iova order: fn(level, first iova page covered, entries used, its own pfn). */
  forEachTable(fn: (level: number, basePfn: number, used: number, physPfn: number) => void): void {
    const visit = (t: Table) => {
      fn(t.level, t.basePfn, t.used, t.physPfn);
      if (!t.next) return;
      for (let i = 0; i < ENTRIES; i++) {
        const child = t.next[i];
        if (child) visit(child);
      }
    };
    visit(this.root);
  }

  leaves(): Leaf[] {
    const out: Leaf[] = [];
    const walk = (t: Table) => {
      for (let i = 0; i < ENTRIES; i++) {
        const v = t.entries[i]!;
        if (v === 0) continue;
        const child = t.next?.[i];
        if (child) walk(child);
        else out.push({ iovaPfn: t.basePfn + i * levelPages(t.level), level: t.level, value: v });
      }
    };
    walk(this.root);
    return out;
  }

  level1Tables(): Level1Table[] {
    const out: Level1Table[] = [];
    const walk = (t: Table) => {
      if (t.level === 1) {
        out.push({ lo: t.basePfn, hi: t.basePfn + ENTRIES - 1, usedEntries: t.used });
        return;
      }
      if (!t.next) return;
      for (let i = 0; i < ENTRIES; i++) {
        const child = t.next[i];
        if (child) walk(child);
      }
    };
    walk(this.root);
    return out;
  }

  private newTable(level: number, basePfn: number): Table {
    return {
      level,
      basePfn,
      physPfn: this.nextTablePfn++,
      entries: new Float64Array(ENTRIES),
      next: null,
      used: 0,
    };
  }

  /**
   * pfn_to_dma_pte with a target level: the table at `level` that holds iovPfn's entry, allocating
   * missing intermediate tables. null when a superpage leaf above already covers iovPfn.
   */
  private walkTo(iovPfn: number, level: number): Table | null {
    let t = this.root;
    while (t.level > level) {
      const idx = pfnLevelOffset(iovPfn, t.level);
      let child = t.next?.[idx];
      if (!child) {
        if (t.entries[idx] !== 0) return null;
        const span = levelPages(t.level);
        child = this.newTable(t.level - 1, t.basePfn + idx * span);
        this.tablesAllocated++;
        this.budget.spend(1, 'allocating IOMMU page-table pages');
        t.next ??= new Array<Table | undefined>(ENTRIES);
        t.next[idx] = child;
        t.entries[idx] = encodeTable(child.physPfn);
        t.used++;
      }
      t = child;
    }
    return t;
  }

  /** End (exclusive page number) of the leaf covering iovPfn; iovPfn + 1 if none. */
  private coveringLeafEnd(iovPfn: number): number {
    return this.leafSpanAt(iovPfn)?.[1] ?? iovPfn + 1;
  }

  /** switch_to_super_page for `slots` entries of one table page: drop leftover tables and old leaves. */
  private switchToSuperPage(t: Table, idx: number, slots: number): void {
    for (let i = idx; i < idx + slots; i++) {
      if (t.entries[i] === 0) continue;
      this.dropEntry(t, i);
    }
  }

  /** pfn_to_dma_pte with target level 0: the level where the walk for iovaPfn stops. */
  private leafLevelAt(iovaPfn: number): number {
    let t = this.root;
    for (;;) {
      const idx = pfnLevelOffset(iovaPfn, t.level);
      const child = t.next?.[idx];
      if (!child || t.level === 1) return t.level;
      t = child;
    }
  }

  /** dma_pte_clear_level: clear entries wholly inside [start, last]; recurse into partly covered tables. */
  private clearLevel(t: Table, start: number, last: number): void {
    const span = levelPages(t.level);
    const from = Math.max(0, Math.floor((start - t.basePfn) / span));
    const to = Math.min(ENTRIES - 1, Math.floor((last - t.basePfn) / span));
    for (let i = from; i <= to; i++) {
      if (t.entries[i] === 0) continue;
      const lo = t.basePfn + i * span;
      const child = t.next?.[i];
      if (start <= lo && last >= lo + span - 1) this.dropEntry(t, i);
      else if (child) this.clearLevel(child, start, last);
      // A superpage only partly inside the range: the kernel would recurse into the data page as if it
      // were a table. intel_iommu_unmap only gets here for an unaligned iova, which the core never
      // passes for a superpage, so the model clears the whole superpage.
      else this.dropEntry(t, i);
    }
  }

  private touch(lo: number, hi: number): void {
    const c = this.changed;
    const n = c.length;
    if (n > 0 && lo <= c[n - 1]! && hi >= c[n - 2]!) {
      c[n - 2] = Math.min(c[n - 2]!, lo);
      c[n - 1] = Math.max(c[n - 1]!, hi);
      return;
    }
    if (n >= 2 * MAX_CHANGED) {
      let a = lo;
      let b = hi;
      for (let k = 0; k < n; k += 2) {
        a = Math.min(a, c[k]!);
        b = Math.max(b, c[k + 1]!);
      }
      c.length = 0;
      c.push(a, b);
      return;
    }
    c.push(lo, hi);
  }

  /** Clear entry i; if it points to a table, free that table and everything below it. */
  private dropEntry(t: Table, i: number): void {
    const span = levelPages(t.level);
    this.touch(t.basePfn + i * span, t.basePfn + (i + 1) * span);
    const child = t.next?.[i];
    if (child) {
      this.freeSubtree(child);
      t.next![i] = undefined;
    } else {
      this.leafCount[t.level]!--;
    }
    t.entries[i] = 0;
    t.used--;
  }

  /** dma_pte_list_pagetables: the table and every table below it go on the freelist. */
  private freeSubtree(t: Table): void {
    this.tablesFreed++;
    this.budget.spend(1, 'freeing IOMMU page-table pages');
    for (let i = 0; i < ENTRIES; i++) {
      if (t.entries[i] === 0) continue;
      const child = t.next?.[i];
      if (child) this.freeSubtree(child);
      else this.leafCount[t.level]!--;
    }
  }
}
