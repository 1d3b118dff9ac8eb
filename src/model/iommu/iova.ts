// The IOVA allocator of drivers/iommu/iova.c: init_iova_domain, alloc_iova
// (__alloc_and_insert_iova_range, ≥4.15 anchor algorithm and the older pad_size walk), free_iova,
// find_iova, reserve_iova, the __cached_rbnode_* updates, iova_find_limit, and the range cache
// (alloc_iova_fast / free_iova_fast, iova_rcache_get / iova_rcache_insert, magazines and depot).
// Ranges are in granule units with inclusive ends; the anchor is pfn ~0UL, here Infinity.

import type { WorkBudget } from '../budget';
import { fls, orderBase2, roundupPowOfTwo } from '../lib/bits';
import { next, prev, RbTree, type RbNode } from '../lib/rbtree';
import { kernel, type Profile } from '../profile';

/** IOVA_ANCHOR (~0UL): above every real pfn. */
export const IOVA_ANCHOR = Infinity;
/** IOVA_RANGE_CACHE_MAX_SIZE: size classes 1, 2, 4, 8, 16, 32 granules. */
export const IOVA_RANGE_CACHE_MAX_SIZE = 6;
/** MAX_GLOBAL_MAGS: the fixed depot of kernels before the depot list. */
const MAX_GLOBAL_MAGS = 32;

interface CpuRcache {
  loaded: number[];
  prev: number[];
}

interface Rcache {
  cpu: CpuRcache[];
  /** Full magazines; the last element is the head of the kernel's list (pushed and popped there). */
  depot: number[][];
}

export type RcacheSource = 'per-cpu magazine' | 'depot' | 'rbtree' | 'rbtree after flushing the rcache';

export class IovaDomain {
  readonly tree = new RbTree();
  /** null before 4.15, which had no anchor. */
  readonly anchor: RbNode | null;
  cachedNode: RbNode | null;
  cached32Node: RbNode | null;
  readonly granuleShift: number;
  /** ≥4.15: first pfn above 4 GiB (exclusive bound); before: the caller's pfn_32bit, inclusive. */
  readonly dma32bitPfn: number;
  max32AllocSize: number;
  /** The last allocation failed at the max32_alloc_size check, without walking the tree. */
  fastFailed = false;
  readonly rcaches: Rcache[] = [];
  private readonly newAlgorithm: boolean;

  constructor(
    granule: number,
    readonly startPfn: number,
    readonly profile: Profile,
    readonly cpus: number,
    private readonly budget: WorkBudget,
  ) {
    if (granule > 4096 || granule <= 0 || (granule & (granule - 1)) !== 0) {
      throw new Error(
        `iovad.granule ${granule} must be a power of two no larger than PAGE_SIZE (init_iova_domain BUG_ON)`,
      );
    }
    if (!Number.isInteger(cpus) || cpus < 1 || cpus > 4096)
      throw new Error(`iovad.cpus ${cpus} must be between 1 and 4096`);
    this.granuleShift = fls(granule);
    this.newAlgorithm = kernel.iovaHasAnchor(profile);
    if (this.newAlgorithm) {
      this.anchor = iovaNode(IOVA_ANCHOR, IOVA_ANCHOR);
      this.tree.insert(this.anchor);
      this.cachedNode = this.anchor;
      this.cached32Node = this.anchor;
      this.dma32bitPfn = 2 ** (32 - this.granuleShift);
    } else {
      this.anchor = null;
      this.cachedNode = null;
      this.cached32Node = null;
      this.dma32bitPfn = 2 ** (32 - this.granuleShift) - 1;
    }
    this.max32AllocSize = this.dma32bitPfn;
    for (let i = 0; i < IOVA_RANGE_CACHE_MAX_SIZE; i++) {
      const cpu: CpuRcache[] = [];
      for (let c = 0; c < cpus; c++) cpu.push({ loaded: [], prev: [] });
      this.rcaches.push({ cpu, depot: [] });
    }
  }

  /** alloc_iova: limitPfn is inclusive; the range is naturally aligned when sizeAligned. */
  allocIova(size: number, limitPfn: number, sizeAligned: boolean): RbNode | null {
    this.fastFailed = false;
    if (size <= 0) return null;
    return this.newAlgorithm
      ? this.allocRange(size, limitPfn + 1, sizeAligned)
      : this.allocRangeOld(size, limitPfn + 1, sizeAligned);
  }

  findIova(pfn: number): RbNode | null {
    return this.tree.find(pfn);
  }

  /** free_iova: find and remove; nothing happens when no range holds pfn. */
  freeIova(pfn: number): void {
    const node = this.tree.find(pfn);
    if (node && node !== this.anchor) this.privateFree(node);
  }

  /**
   * reserve_iova: stretch the first overlapping node down to pfnLo, skip what existing nodes cover,
   * insert the remainder. Returns the node that now covers the request's end, as the kernel does.
   */
  reserveIova(pfnLo: number, pfnHi: number): RbNode | null {
    let lo = pfnLo;
    const hi = pfnHi;
    let overlap = false;
    for (let node = this.tree.first(); node; node = next(node)) {
      this.budget.spend(1, 'reserve_iova walking the iova tree');
      if (lo <= node.hi && hi >= node.lo) {
        if (lo < node.lo) node.lo = lo;
        if (hi > node.hi) lo = node.hi + 1;
        if (lo >= node.lo && hi <= node.hi) return node;
        overlap = true;
      } else if (overlap) break;
    }
    const node = iovaNode(lo, hi);
    this.tree.insert(node);
    return node;
  }

  /** alloc_iova_fast: returns the pfn (0 on failure), the length reserved and where it came from. */
  allocIovaFast(
    size: number,
    limitPfn: number,
    flushRcache: boolean,
  ): { pfn: number; len: number; from: RcacheSource } {
    let len = size;
    if (kernel.iovaFastRoundsUp(this.profile) && len < 2 ** (IOVA_RANGE_CACHE_MAX_SIZE - 1)) len = roundupPowOfTwo(len);
    const cached = this.rcacheGet(len, limitPfn + 1);
    if (cached.pfn) return { pfn: cached.pfn, len, from: cached.from };
    let node = this.allocIova(len, limitPfn, true);
    if (node) return { pfn: node.lo, len, from: 'rbtree' };
    if (!flushRcache) return { pfn: 0, len, from: 'rbtree' };
    for (let c = 0; c < this.cpus; c++) this.freeCpuCachedIovas(c);
    this.freeGlobalCachedIovas();
    node = this.allocIova(len, limitPfn, true);
    return { pfn: node ? node.lo : 0, len, from: 'rbtree after flushing the rcache' };
  }

  /** free_iova_fast: into the rcache when the size class allows, else free_iova. Returns whether cached. */
  freeIovaFast(pfn: number, size: number): boolean {
    if (this.rcacheInsert(pfn, size)) return true;
    this.freeIova(pfn);
    return false;
  }

  /** free_cpu_cached_iovas: one CPU's loaded and prev magazines go back to the tree. */
  freeCpuCachedIovas(cpu: number): void {
    for (const r of this.rcaches) {
      const c = r.cpu[cpu]!;
      this.magazineFreePfns(c.loaded);
      this.magazineFreePfns(c.prev);
    }
  }

  /** free_global_cached_iovas: every depot magazine goes back to the tree. */
  freeGlobalCachedIovas(): void {
    for (const r of this.rcaches) {
      while (r.depot.length > 0) this.magazineFreePfns(r.depot.pop()!);
    }
  }

  /** ≥4.15 __alloc_and_insert_iova_range: first fit, top-down, from the cached node; L is exclusive. */
  private allocRange(size: number, L: number, sizeAligned: boolean): RbNode | null {
    const align = sizeAligned ? 2 ** orderBase2(size) : 1;
    if (kernel.iovaHasMax32(this.profile) && L <= this.dma32bitPfn && size >= this.max32AllocSize) {
      this.fastFailed = true;
      return null;
    }
    let curr: RbNode | null = L <= this.dma32bitPfn ? this.cached32Node! : this.cachedNode!;
    // retry_pfn: the cached node's pfn_hi; before the overflow fix pfn_hi + 1, which wraps to 0 for the anchor.
    const fixed = kernel.iovaRetryStartsAboveCached(this.profile);
    const retryPfn = fixed ? curr.hi : curr === this.anchor ? 0 : curr.hi + 1;
    let high = L;
    let low = this.startPfn;
    let newPfn: number;
    for (;;) {
      do {
        high = Math.min(high, curr!.lo);
        newPfn = Math.floor((high - size) / align) * align;
        curr = prev(curr!);
        this.budget.spend(1, 'alloc_iova walking the iova tree');
      } while (curr && newPfn <= curr.hi && newPfn >= low);
      if (high >= size && newPfn >= low) break;
      if (kernel.iovaHasRetryPass(this.profile) && low === this.startPfn && retryPfn < L) {
        high = L;
        low = fixed ? retryPfn + 1 : retryPfn;
        curr = this.findLimit(L);
        continue;
      }
      if (kernel.iovaHasMax32(this.profile)) this.max32AllocSize = size;
      return null;
    }
    const node = iovaNode(newPfn, newPfn + size - 1);
    this.tree.insert(node);
    if (node.hi < this.dma32bitPfn) this.cached32Node = node;
    else this.cachedNode = node;
    return node;
  }

  /**
   * Before 4.15: walk down from rb_last (or just below cached32_node), lowering the limit past each
   * node, until size plus the alignment pad fits above a node's end.
   */
  private allocRangeOld(size: number, L: number, sizeAligned: boolean): RbNode | null {
    const savedLimit = L - 1;
    let limit = L;
    let curr: RbNode | null;
    if (savedLimit > this.dma32bitPfn || !this.cached32Node) {
      curr = this.tree.last();
    } else {
      curr = prev(this.cached32Node);
      limit = this.cached32Node.lo;
    }
    const pad = (lim: number) => (sizeAligned ? (lim - size) % roundupPowOfTwo(size) : 0);
    let padSize = 0;
    while (curr) {
      this.budget.spend(1, 'alloc_iova walking the iova tree');
      if (limit <= curr.lo) {
        curr = prev(curr);
        continue;
      }
      if (limit > curr.hi) {
        padSize = pad(limit);
        if (curr.hi + size + padSize < limit) break;
      }
      limit = curr.lo;
      curr = prev(curr);
    }
    if (!curr) {
      padSize = pad(limit);
      if (this.startPfn + size + padSize > limit) return null;
    }
    const lo = limit - (size + padSize);
    const node = iovaNode(lo, lo + size - 1);
    this.tree.insert(node);
    if (savedLimit === this.dma32bitPfn) this.cached32Node = node;
    return node;
  }

  /** iova_find_limit: where the retry pass starts — the anchor above 4 GiB, else the first node at or above L. */
  private findLimit(L: number): RbNode {
    if (L > this.dma32bitPfn) return this.anchor!;
    let n = this.tree.root;
    let best = this.anchor!;
    while (n) {
      if (n.lo >= L) {
        best = n;
        n = n.left;
      } else n = n.right;
    }
    return best;
  }

  /** private_free_iova with __cached_rbnode_delete_update (both algorithms). */
  private privateFree(node: RbNode): void {
    if (this.newAlgorithm) {
      const c32 = this.cached32Node!;
      if (node === c32 || (node.hi < this.dma32bitPfn && node.lo >= c32.lo)) this.cached32Node = next(node);
      if (node.lo < this.dma32bitPfn) this.max32AllocSize = this.dma32bitPfn;
      if (node.lo >= this.cachedNode!.lo) this.cachedNode = next(node);
    } else if (this.cached32Node && node.lo >= this.cached32Node.lo) {
      const n = next(node);
      this.cached32Node = n && n.lo < this.dma32bitPfn ? n : null;
    }
    this.tree.erase(node);
  }

  private magazineFreePfns(mag: number[]): void {
    for (const pfn of mag) {
      const node = this.tree.find(pfn);
      if (node && node !== this.anchor) this.privateFree(node);
    }
    mag.length = 0;
  }

  /** iova_rcache_insert on CPU 0. */
  private rcacheInsert(pfn: number, size: number): boolean {
    const log = orderBase2(size);
    if (log >= IOVA_RANGE_CACHE_MAX_SIZE) return false;
    const rcache = this.rcaches[log]!;
    const c = rcache.cpu[0]!;
    const magSize = kernel.iovaMagSize(this.profile);
    if (c.loaded.length >= magSize) {
      if (c.prev.length < magSize) {
        [c.loaded, c.prev] = [c.prev, c.loaded];
      } else if (kernel.iovaDepotIsList(this.profile) || rcache.depot.length < MAX_GLOBAL_MAGS) {
        rcache.depot.push(c.loaded);
        c.loaded = [];
      } else {
        // The fixed depot is full: the evicted magazine's ranges go back to the tree.
        const evicted = c.loaded;
        c.loaded = [];
        this.magazineFreePfns(evicted);
      }
    }
    c.loaded.push(pfn);
    return true;
  }

  /** iova_rcache_get on CPU 0; L is the exclusive limit, so a cached pfn must be ≤ L − size. */
  private rcacheGet(size: number, L: number): { pfn: number; from: RcacheSource } {
    const none = { pfn: 0, from: 'rbtree' as const };
    const log = orderBase2(size);
    if (log >= IOVA_RANGE_CACHE_MAX_SIZE) return none;
    const rcache = this.rcaches[log]!;
    const c = rcache.cpu[0]!;
    let from: RcacheSource = 'per-cpu magazine';
    if (c.loaded.length === 0) {
      if (c.prev.length > 0) {
        [c.loaded, c.prev] = [c.prev, c.loaded];
      } else if (rcache.depot.length > 0) {
        c.loaded = rcache.depot.pop()!;
        from = 'depot';
      } else return none;
    }
    const limit = L - size;
    const mag = c.loaded;
    if (!kernel.iovaMagPopScans(this.profile)) {
      if (mag[mag.length - 1]! > limit) return none;
      return { pfn: mag.pop()!, from };
    }
    for (let i = mag.length - 1; i >= 0; i--) {
      if (mag[i]! <= limit) {
        const pfn = mag[i]!;
        mag[i] = mag[mag.length - 1]!;
        mag.pop();
        return { pfn, from };
      }
    }
    return none;
  }
}

export type IovadRange = [number, number] | 'anchor';

/** The tree in order (anchor last) and the two cached nodes, for the case format's `final`. */
export function describeIovad(d: IovaDomain): {
  tree: IovadRange[];
  cachedNode: IovadRange | null;
  cached32Node: IovadRange | null;
} {
  const range = (n: RbNode | null): IovadRange | null => (n === null ? null : n === d.anchor ? 'anchor' : [n.lo, n.hi]);
  const tree: IovadRange[] = [];
  for (const n of d.tree.inOrder()) tree.push(range(n)!);
  return { tree, cachedNode: range(d.cachedNode), cached32Node: range(d.cached32Node) };
}
/**
 * A struct iova's node. Its keys reach IOVA_ANCHOR, which is no small integer; listing the fields in
 * another order gives these nodes their own hidden class, so the vendor trees' nodes keep small-integer
 * keys that V8 stores unboxed (a boxed key costs every comparison of a tree walk an extra load).
 */
function iovaNode(lo: number, hi: number): RbNode {
  return { hi, lo, data: null, left: null, right: null, parent: null, red: true };
}
