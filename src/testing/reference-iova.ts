// A plain-array reference of drivers/iommu/iova.c as of 6.x, written from the kernel source apart from
// src/model: init_iova_domain, alloc_iova (__alloc_and_insert_iova_range with __get_cached_rbnode,
// iova_find_limit and __cached_rbnode_insert_update), free_iova (private_find_iova and
// __cached_rbnode_delete_update) and reserve_iova (__is_range_overlap, __adjust_overlap_range).
// Allocated ranges live in a sorted array of inclusive {lo, hi}; a cached node is the pfn_lo of the
// range it points at, or 'anchor' for the IOVA_ANCHOR node above everything. The 5.1 max32_alloc_size
// fast fail and the 5.11 retry pass are options, so 4.15..5.10 behaviour is covered too; the pre-4.15
// pad_size walk is not.

export interface RefRange {
  lo: number;
  hi: number;
}

export type RefCached = number | 'anchor';

export interface RefIovaOptions {
  startPfn: number;
  /** init_iova_domain: 1UL << (32 - iova_shift), the first pfn at or above 4 GiB. */
  dma32Pfn: number;
  /** 5.1: "iommu/iova: Optimise attempts to allocate iova from 32bit address range". */
  max32FastFail: boolean;
  /** 5.11: "iommu/iova: Retry from last rb tree node if iova search fails". */
  retryPass: boolean;
  /**
   * Before "iommu/iova: Fix alloc iova overflows issue" (January 2023): retry_pfn = pfn_hi + 1 and the
   * retry starts at low_pfn = retry_pfn, so from the anchor (pfn_hi ~0UL) it wraps to 0.
   */
  retryWraps: boolean;
}

export class ReferenceIova {
  /** Disjoint, sorted by lo; the anchor is implicit at index ranges.length. */
  readonly ranges: RefRange[] = [];
  cached: RefCached = 'anchor';
  cached32: RefCached = 'anchor';
  max32AllocSize: number;

  constructor(private readonly opt: RefIovaOptions) {
    this.max32AllocSize = opt.dma32Pfn;
  }

  /** alloc_iova: limitPfn inclusive; the kernel works with limit_pfn + 1 from here on. */
  alloc(size: number, limitPfn: number, sizeAligned: boolean): RefRange | null | 'spins' {
    const limit = limitPfn + 1;
    const below4g = limit <= this.opt.dma32Pfn;
    if (this.opt.max32FastFail && below4g && size >= this.max32AllocSize) return null;
    // align_mask <<= fls_long(size - 1): the power of two at or above size.
    let align = 1;
    while (sizeAligned && align < size) align *= 2;
    const start = this.nodeIndex(below4g ? this.cached32 : this.cached);
    // Read before the walk: the cached node's pfn_hi (~0UL for the anchor, so no retry from there once
    // fixed); before the fix pfn_hi + 1, which for the anchor is 0.
    const hi = this.hiAt(start);
    const retryPfn = !this.opt.retryWraps ? hi : hi === Infinity ? 0 : hi + 1;
    let pfn = this.walkDown(start, limit, this.opt.startPfn, size, align);
    if (pfn === null && this.opt.retryPass && retryPfn < limit) {
      const low = this.opt.retryWraps ? retryPfn : retryPfn + 1;
      pfn = this.walkDown(this.findLimit(limit), limit, low, size, align);
      // The kernel goes round again while low_pfn == start_pfn, and nothing changes between rounds: a
      // cached node ending just below start_pfn (a range handed out by the wrapped retry, or reserved
      // there) makes alloc_iova spin with the lock held.
      if (pfn === null && low === this.opt.startPfn) return 'spins';
    }
    if (pfn === null) {
      if (this.opt.max32FastFail) this.max32AllocSize = size;
      return null;
    }
    const range = { lo: pfn, hi: pfn + size - 1 };
    this.ranges.splice(this.insertIndex(pfn), 0, range);
    if (range.hi < this.opt.dma32Pfn) this.cached32 = range.lo;
    else this.cached = range.lo;
    return { ...range };
  }

  /** free_iova: the range holding pfn goes, the cached nodes step up past it; nothing when none holds pfn. */
  free(pfn: number): void {
    const i = this.ranges.findIndex((r) => r.lo <= pfn && pfn <= r.hi);
    if (i < 0) return;
    const gone = this.ranges[i]!;
    // rb_next(&free->node), taken while the node is still in the tree.
    const next: RefCached = i + 1 < this.ranges.length ? this.ranges[i + 1]!.lo : 'anchor';
    const d32 = this.opt.dma32Pfn;
    if (this.cached32 === gone.lo || (gone.hi < d32 && gone.lo >= this.loOf(this.cached32))) this.cached32 = next;
    if (this.opt.max32FastFail && gone.lo < d32) this.max32AllocSize = d32;
    if (gone.lo >= this.loOf(this.cached)) this.cached = next;
    this.ranges.splice(i, 1);
  }

  /**
   * reserve_iova: walking up from the first range, each overlapping range is stretched down to the
   * request and the request is trimmed above it; the remainder, if any, becomes a new range.
   */
  reserve(pfnLo: number, pfnHi: number): RefRange {
    let lo = pfnLo;
    let overlap = false;
    for (const r of this.ranges) {
      if (lo <= r.hi && pfnHi >= r.lo) {
        if (lo < r.lo) this.stretch(r, lo);
        if (pfnHi > r.hi) lo = r.hi + 1;
        if (lo >= r.lo && pfnHi <= r.hi) return { ...r };
        overlap = true;
      } else if (overlap) break;
    }
    const range = { lo, hi: pfnHi };
    this.ranges.splice(this.insertIndex(lo), 0, range);
    return { ...range };
  }

  /** The range a cached node points at, as the test compares it. */
  cachedRange(c: RefCached): RefRange | 'anchor' {
    return c === 'anchor' ? 'anchor' : { ...this.ranges[this.nodeIndex(c)]! };
  }

  /**
   * The do/while of __alloc_and_insert_iova_range from node `from` down: the candidate sits at the top of
   * the gap below the current node and moves down while it runs into the range below it.
   */
  private walkDown(from: number, limit: number, low: number, size: number, align: number): number | null {
    let high = limit;
    for (let i = from; ; i--) {
      high = Math.min(high, this.loAt(i));
      // high_pfn - size wraps in the kernel; the huge new_pfn ends the walk and high_pfn < size fails it.
      if (high < size) return null;
      const pfn = high - size - ((high - size) % align);
      const below = this.ranges[i - 1];
      if (below && pfn <= below.hi && pfn >= low) continue;
      return pfn >= low ? pfn : null;
    }
  }

  /** iova_find_limit: the anchor above 4 GiB, else the lowest node at or above the limit. */
  private findLimit(limit: number): number {
    if (limit > this.opt.dma32Pfn) return this.ranges.length;
    const i = this.ranges.findIndex((r) => r.lo >= limit);
    return i < 0 ? this.ranges.length : i;
  }

  /** __adjust_overlap_range lowers a node's pfn_lo in place; a cached pointer to it follows. */
  private stretch(r: RefRange, lo: number): void {
    if (this.cached === r.lo) this.cached = lo;
    if (this.cached32 === r.lo) this.cached32 = lo;
    r.lo = lo;
  }

  /** Index of the node a cached pointer names; the anchor is ranges.length. */
  private nodeIndex(c: RefCached): number {
    if (c === 'anchor') return this.ranges.length;
    const i = this.ranges.findIndex((r) => r.lo === c);
    if (i < 0) throw new Error(`reference bug: cached node ${c} is not in the tree`);
    return i;
  }

  private insertIndex(lo: number): number {
    const i = this.ranges.findIndex((r) => r.lo > lo);
    return i < 0 ? this.ranges.length : i;
  }

  private loAt(i: number): number {
    return i < this.ranges.length ? this.ranges[i]!.lo : Infinity;
  }

  private hiAt(i: number): number {
    return i < this.ranges.length ? this.ranges[i]!.hi : Infinity;
  }

  private loOf(c: RefCached): number {
    return c === 'anchor' ? Infinity : c;
  }
}
