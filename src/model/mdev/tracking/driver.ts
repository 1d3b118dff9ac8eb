// A vGPU vendor driver built on one of the four gpa → iova designs of the May 2016 thread, with the
// pinning policy and host-IOMMU mode chosen by the scenario. It talks to type1 exactly as a real mdev
// driver does (vfio_pin_pages / vfio_unpin_pages, the dma_unmap callback) and keeps its tracking in
// real structures (rb-trees, 512-entry table pages, u32 arrays, iova.c ranges and a VT-d table), so
// that entries, bytes and lookup costs are counted from what was built, in the order it was built.

import type { WorkBudget } from '../../budget';
import type { Errno } from '../../errno';
import { IOMMU_CACHE, IOMMU_READ, IOMMU_WRITE } from '../../iommu/types';
import { PageBits } from '../../lib/page-bits';
import { SparseU32 } from '../../lib/sparse-u32';
import { TableBuilder, type Table } from '../../lib/table';
import { depth, next, RbTree, rbNode, type RbNode } from '../../lib/rbtree';
import type { Profile } from '../../profile';
import { pinCaller, vfioPinPagesPfn, vfioUnpinPages, VFIO_PIN_PAGES_MAX_ENTRIES } from '../../vfio/external';
import type { VendorDriver, VfioDevice, VfioIommu } from '../../vfio/iommu';
import { DmaIommuDevice } from '../dma-iommu';
import { iovaPfnOfGfn, newStepCounters, type StepCounters } from '../vgpu';
import type { Strategy } from './memory';
import { kvmallocFootprint, STRUCTS } from './structs';

export type PinPolicy = 'pin-all' | 'pin-sparse';

export interface TrackingConfig {
  strategy: Strategy;
  policy: PinPolicy;
  hostIommu: 'off' | 'dma';
}

/** A registered region (one vfio_dma the vendor has touched) and its per-design state. */
interface Region {
  node: RbNode;
  gfn: number;
  npages: number;
  /** flat-array: the u32 array (dma pfn + 1; 0 = not tracked). */
  array: SparseU32 | null;
  /** region-table: table pages per level (index = offset / 512^level; level 1 holds the dma pfn + 1). */
  tables: Array<Map<number, Float64Array>> | null;
  levels: number;
  /** iova-range: the struct iova of this region. */
  iovaLo: number;
  /** Pages of this region that are pinned. */
  pinned: PageBits;
}

export class TrackingVendor implements VendorDriver {
  private readonly regions = new RbTree();
  /** per-page-tree: gfn → dma pfn. */
  private readonly pageTree = new RbTree();
  readonly dma: DmaIommuDevice | null;
  entries = 0;
  /** Bytes of tracking memory (slab footprint) and plain sizeof, kept as structures come and go. */
  slabBytes = 0;
  sizeofBytes = 0;
  step: StepCounters = newStepCounters();

  constructor(
    readonly cfg: TrackingConfig,
    profile: Profile,
    budget: WorkBudget,
  ) {
    if (cfg.strategy === 'iova-range' && cfg.hostIommu === 'off') {
      throw new Error('the iova-range design allocates iovas and writes IOMMU PTEs: it needs host_iommu "dma"');
    }
    this.dma = cfg.hostIommu === 'dma' ? new DmaIommuDevice(profile, budget) : null;
  }

  beginStep(): void {
    this.step = newStepCounters();
  }

  vgpuMap(iommu: VfioIommu, gfn: number, pages = 1): { ret: 0 | Errno; dmaAddr: number | null } {
    return this.mapGuestPages(iommu, gfn, pages);
  }

  vgpuUnmap(iommu: VfioIommu, gfn: number, pages = 1): 0 | Errno {
    return this.unmapGuestPages(iommu, gfn, pages);
  }

  /**
   * The device wants to DMA to `pages` guest pages from gfn (1, or 512 for a 2 MiB page): returns the
   * address it must use for gfn. The designs track 4 KiB pages, so a 2 MiB page is 512 entries.
   */
  mapGuestPages(iommu: VfioIommu, gfn: number, pages: number): { ret: 0 | Errno; dmaAddr: number | null } {
    const region = this.regionFor(iommu, gfn, pages);
    if (typeof region === 'string') return { ret: region, dmaAddr: null };
    const known = this.lookup(region, gfn);
    if (known !== null && pages === 1) return { ret: 0, dmaAddr: known * 4096 };
    if (this.cfg.policy === 'pin-all') {
      const r = known === null ? this.pinRegion(iommu, region) : 0;
      if (r !== 0) return { ret: r, dmaAddr: null };
      return { ret: 0, dmaAddr: this.lookupRaw(region, gfn - region.gfn) * 4096 };
    }
    // pin-sparse: one vfio_pin_pages call per run of pages not tracked yet; a failure undoes this call's runs.
    let dmaPfn = known;
    const done: Array<[number, number]> = [];
    for (let k = 0; k < pages;) {
      if (region.pinned.has(gfn + k - region.gfn)) {
        k++;
        continue;
      }
      let n = 1;
      while (k + n < pages && !region.pinned.has(gfn + k + n - region.gfn)) n++;
      const r = this.trackPages(iommu, region, gfn + k, n);
      if (typeof r === 'string') {
        for (const [off, m] of done) this.untrackRun(iommu, region, off, m);
        return { ret: r, dmaAddr: null };
      }
      done.push([gfn + k - region.gfn, n]);
      if (k === 0) dmaPfn = r;
      k += n;
    }
    return { ret: 0, dmaAddr: dmaPfn! * 4096 };
  }

  /** The device is done with `pages` pages from gfn: pin-sparse drops and unpins them; pin-all keeps everything pinned. */
  unmapGuestPages(iommu: VfioIommu, gfn: number, pages: number): 0 | Errno {
    const node = this.regions.find(gfn);
    this.step.lookupVisits += this.regions.lastVisits;
    const region = node?.data as Region | undefined;
    if (!region || !region.pinned.has(gfn - region.gfn))
      return iommu.trace.fail('-EINVAL', 'that guest page is not tracked');
    if (this.cfg.policy === 'pin-all') return 0;
    const off = gfn - region.gfn;
    if (pages === 1) this.untrackRun(iommu, region, off, 1);
    else this.untrackAll(iommu, region, off, Math.min(off + pages, region.npages));
    return 0;
  }

  /** vfio_device_ops.dma_unmap: drop and unpin everything tracked in the range. */
  dmaUnmap(iommu: VfioIommu, _device: VfioDevice, iovaPfn: number, npages: number): void {
    iommu.trace.path.push('vendor dma_unmap');
    // One walk of the region tree finds every region in the range; each pinned page is then a bit.
    let n = this.regions.lowestEndingAtOrAbove(iovaPfn);
    this.step.notifierLookups++;
    this.step.notifierVisits += depth(n) + 1;
    for (; n && n.lo < iovaPfn + npages;) {
      const region = n.data as Region;
      n = next(n);
      this.step.notifierVisits++;
      this.untrackAll(iommu, region, iovaPfn - region.gfn, iovaPfn + npages - region.gfn);
      if (region.pinned.size === 0) this.dropRegion(region);
    }
  }

  /**
   * What the design holds, for the views (read-only): each registered region, the pages it tracks as runs
   * of consecutive gfns with consecutive device addresses, and its own structure — the region-table
   * design's table pages, the per-page tree.
   */
  describe(): {
    regions: Table<'gfn' | 'pages' | 'iova' | 'levels'>;
    tracked: Table<'gfn' | 'dma' | 'pages'>;
    tablePages: Table<'region' | 'level' | 'index'>;
    pageTree: RbTree | null;
  } {
    const regions = new TableBuilder(['gfn', 'pages', 'iova', 'levels'] as const);
    const tracked = new TableBuilder(['gfn', 'dma', 'pages'] as const);
    const tablePages = new TableBuilder(['region', 'level', 'index'] as const);
    for (let n = this.regions.first(); n; n = next(n)) {
      const r = n.data as Region;
      const k = regions.length;
      regions.push(r.gfn, r.npages, this.cfg.strategy === 'iova-range' ? r.iovaLo : -1, r.levels);
      for (const off of r.pinned.inRange(0, r.npages)) {
        const dma = this.lookupRaw(r, off);
        const gfn = r.gfn + off;
        const run = tracked.length > 0 && tracked.last('gfn') + tracked.last('pages') === gfn;
        if (run && tracked.last('dma') + tracked.last('pages') === dma)
          tracked.setLast('pages', tracked.last('pages') + 1);
        else tracked.push(gfn, dma, 1);
      }
      r.tables?.forEach((level, l) => [...level.keys()].sort((a, b) => a - b).forEach((i) => tablePages.push(k, l, i)));
    }
    return {
      regions: regions.build(),
      tracked: tracked.build(),
      tablePages: tablePages.build(),
      pageTree: this.cfg.strategy === 'per-page-tree' ? this.pageTree : null,
    };
  }

  /** The device address page the design holds for gfn, or null (a reader's lookup: no cost is counted). */
  deviceAddress(gfn: number): number | null {
    const region = this.regions.peek(gfn)?.data as Region | undefined;
    if (!region || !region.pinned.has(gfn - region.gfn)) return null;
    return this.lookupRaw(region, gfn - region.gfn);
  }

  /** DMA tables are the iova-range design's own tracking memory, counted in trackingSlabBytes. */
  get trackingIncludesDmaTables(): boolean {
    return this.cfg.strategy === 'iova-range';
  }

  /** The address the device uses for gfn, from the vendor's own structures (counting what is visited); null if untracked. */
  private lookup(region: Region, gfn: number): number | null {
    const off = gfn - region.gfn;
    switch (this.cfg.strategy) {
      case 'per-page-tree': {
        const node = this.pageTree.find(gfn);
        this.step.lookupVisits += this.pageTree.lastVisits;
        return node && node.lo === gfn ? (node.data as number) : null;
      }
      case 'flat-array': {
        this.step.lookupVisits += 1;
        const v = region.array!.get(off);
        return v === 0 ? null : v - 1;
      }
      case 'region-table': {
        let visited = 0;
        let value = 0;
        for (let level = region.levels; level >= 1; level--) {
          visited++;
          const table = region.tables![level]!.get(Math.floor(off / 512 ** level));
          if (!table) break;
          if (level === 1) value = table[off % 512]!;
        }
        this.step.lookupVisits += visited;
        return value === 0 ? null : value - 1;
      }
      case 'iova-range': {
        // gfn → iova is arithmetic inside the range; whether it is mapped is the IOMMU table walk.
        this.step.lookupVisits += 4;
        const iova = region.iovaLo + off;
        return this.dma!.domain.iovaToPhysPfn(iova) >= 0 ? iova : null;
      }
    }
  }

  /** The registered region holding [gfn, gfn + pages), registering the vfio_dma around gfn on first touch. */
  private regionFor(iommu: VfioIommu, gfn: number, pages: number): Region | Errno {
    const outside = (): Errno =>
      iommu.trace.fail(
        '-EINVAL' as const,
        `gfn 0x${gfn.toString(16)}${pages > 1 ? ` + ${pages} pages` : ''} is not inside one registered region (vfio_dma)`,
      );
    const node = this.regions.find(gfn);
    this.step.lookupVisits += this.regions.lastVisits;
    const dma = iommu.dmaList.findDma(gfn, 1);
    if (node) {
      const known = node.data as Region;
      if (dma && dma.iovaPfn === known.gfn && dma.sizePages === known.npages)
        return gfn + pages <= known.gfn + known.npages ? known : outside();
    }
    if (!dma || gfn + pages > dma.iovaPfn + dma.sizePages) return outside();
    // kvzalloc (kvmalloc_node) refuses more than INT_MAX bytes and returns NULL.
    if (this.cfg.strategy === 'flat-array' && dma.sizePages * 4 > 0x7fffffff)
      return iommu.trace.fail(
        '-ENOMEM',
        `the flat array for a region of ${dma.sizePages.toLocaleString('en-US')} pages would be ${dma.sizePages * 4} bytes: kvzalloc refuses sizes above INT_MAX`,
      );
    // QEMU unmapped these regions' vfio_dmas while none of their pages was pinned, so type1 never called
    // dma_unmap: the vendor finds out now that a new mapping overlaps them, and drops them.
    for (let n = this.regions.lowestEndingAtOrAbove(dma.iovaPfn); n && n.lo < dma.iovaPfn + dma.sizePages;) {
      const stale = n.data as Region;
      n = next(n);
      this.dropRegion(stale);
    }
    const region: Region = {
      node: rbNode(dma.iovaPfn, dma.iovaPfn + dma.sizePages - 1),
      gfn: dma.iovaPfn,
      npages: dma.sizePages,
      array: null,
      tables: null,
      levels: 1,
      iovaLo: 0,
      pinned: new PageBits(dma.sizePages),
    };
    switch (this.cfg.strategy) {
      case 'flat-array': {
        region.array = new SparseU32(region.npages);
        this.charge(region.npages * 4, kvmallocFootprint(region.npages * 4).bytes);
        break;
      }
      case 'region-table':
        while (512 ** region.levels < region.npages) region.levels++;
        region.tables = Array.from({ length: region.levels + 1 }, () => new Map<number, Float64Array>());
        break;
      case 'iova-range': {
        const r = this.dma!.iovad.allocIova(region.npages, 2 ** 27 - 1, true);
        if (!r)
          return iommu.trace.fail(
            '-ENOMEM',
            `alloc_iova found no free range of ${region.npages.toLocaleString('en-US')} pages below the GPU's DMA limit`,
          );
        region.iovaLo = r.lo;
        this.charge(STRUCTS.iova.sizeof, STRUCTS.iova.slab);
        break;
      }
      case 'per-page-tree':
        break;
    }
    region.node.data = region;
    this.regions.insert(region.node);
    return region;
  }

  private dropRegion(region: Region): void {
    this.regions.erase(region.node);
    if (region.array) this.charge(-region.npages * 4, -kvmallocFootprint(region.npages * 4).bytes);
    if (region.tables) {
      const pages = region.tables.reduce((a, m) => a + m.size, 0);
      this.charge(-pages * 4096, -pages * 4096);
    }
    if (this.cfg.strategy === 'iova-range') {
      this.dma!.iovad.freeIova(region.iovaLo);
      this.charge(-STRUCTS.iova.sizeof, -STRUCTS.iova.slab);
    }
  }

  /** pin-all: the whole region, in vfio_pin_pages calls of at most 512 pages. */
  private pinRegion(iommu: VfioIommu, region: Region): 0 | Errno {
    for (let off = 0; off < region.npages; off += VFIO_PIN_PAGES_MAX_ENTRIES) {
      const n = Math.min(VFIO_PIN_PAGES_MAX_ENTRIES, region.npages - off);
      const r = this.trackPages(iommu, region, region.gfn + off, n);
      if (typeof r === 'string') {
        this.untrackAll(iommu, region, 0, off);
        return r;
      }
    }
    return 0;
  }

  /**
   * Pin n pages from gfn with one vfio_pin_pages call and record each page's DMA address; returns the
   * first page's. If a DMA mapping fails, the whole call is undone: the pages not yet tracked are
   * unpinned, and those already tracked are dropped and unpinned.
   */
  private trackPages(iommu: VfioIommu, region: Region, gfn: number, n: number): number | Errno {
    this.step.pins++;
    iommu.trace.type1Pins.push({ iovaPfn: gfn, npage: n });
    const r = vfioPinPagesPfn(iommu, pinCaller(iommu, undefined), iovaPfnOfGfn(gfn), n, IOMMU_READ | IOMMU_WRITE);
    if (r.ret !== n)
      return typeof r.ret === 'string' ? r.ret : iommu.trace.fail('-EINVAL', 'vfio_pin_pages pinned less than asked');
    let first = 0;
    for (let k = 0; k < n; k++) {
      const off = gfn + k - region.gfn;
      const dmaPfn = this.dmaMap(region, off, r.pfns![k]!);
      if (dmaPfn === null) {
        const e = iommu.trace.fail('-ENOMEM', 'the DMA mapping failed: no iova left');
        this.step.unpins++;
        iommu.trace.type1Unpins.push({ iovaPfn: gfn + k, npage: n - k });
        vfioUnpinPages(iommu, iovaPfnOfGfn(gfn + k), n - k);
        if (k > 0) this.untrackRun(iommu, region, gfn - region.gfn, k);
        return e;
      }
      if (k === 0) first = dmaPfn;
      this.store(region, off, dmaPfn);
      region.pinned.add(off);
    }
    return first;
  }

  /** Drop and unpin every tracked page in [from, to) of the region: one vfio_unpin_pages per run, as pinned. */
  private untrackAll(iommu: VfioIommu, region: Region, from: number, to: number): void {
    const offs = region.pinned.inRange(from, to);
    for (let i = 0; i < offs.length;) {
      let n = 1;
      while (i + n < offs.length && n < VFIO_PIN_PAGES_MAX_ENTRIES && offs[i + n] === offs[i]! + n) n++;
      this.untrackRun(iommu, region, offs[i]!, n);
      i += n;
    }
  }

  /** n tracked pages from offset off: forget each, undo its DMA mapping, then unpin them with one call. */
  private untrackRun(iommu: VfioIommu, region: Region, off: number, n: number): void {
    for (let k = off; k < off + n; k++) {
      this.dmaUnmapPage(region, k, this.forget(region, k));
      region.pinned.delete(k);
    }
    this.step.unpins++;
    iommu.trace.type1Unpins.push({ iovaPfn: region.gfn + off, npage: n });
    vfioUnpinPages(iommu, iovaPfnOfGfn(region.gfn + off), n);
  }

  /** The stored address without counting the visit (bookkeeping, not a device lookup). */
  private lookupRaw(region: Region, off: number): number {
    const saved = this.step.lookupVisits;
    const v = this.lookup(region, region.gfn + off)!;
    this.step.lookupVisits = saved;
    return v;
  }

  /** The device address of a newly pinned page: host pfn (IOMMU off), dma_map_page, or iommu_map into the range. */
  private dmaMap(region: Region, off: number, pfn: number): number | null {
    if (!this.dma) return pfn;
    if (this.cfg.strategy === 'iova-range') {
      this.step.iommuMapCalls++;
      return this.dma.domain.map(region.iovaLo + off, pfn, 1, IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE) === 0
        ? region.iovaLo + off
        : null;
    }
    this.step.dmaMapCalls++;
    const maps = this.dma.iommuMaps;
    const dmaPfn = this.dma.mapPage(pfn, 1);
    this.step.iommuMapCalls += this.dma.iommuMaps - maps;
    return dmaPfn;
  }

  private dmaUnmapPage(region: Region, off: number, dmaPfn: number): void {
    if (!this.dma) return;
    if (this.cfg.strategy === 'iova-range') this.dma.domain.unmap(region.iovaLo + off, 1);
    else this.dma.unmapPage(dmaPfn, 1);
  }

  /** Record the device address of one page in the design's structure. */
  private store(region: Region, off: number, dmaPfn: number): void {
    const gfn = region.gfn + off;
    this.entries++;
    switch (this.cfg.strategy) {
      case 'per-page-tree': {
        const s = STRUCTS.perPageEntry;
        this.pageTree.insert(rbNode(gfn, gfn, dmaPfn));
        this.charge(s.sizeof, s.slab);
        return;
      }
      case 'flat-array':
        region.array!.set(off, dmaPfn + 1);
        return;
      case 'region-table':
        for (let level = region.levels; level >= 1; level--) {
          const index = Math.floor(off / 512 ** level);
          let table = region.tables![level]!.get(index);
          if (!table) {
            table = new Float64Array(512);
            region.tables![level]!.set(index, table);
            this.charge(4096, 4096);
          }
          if (level === 1) table[off % 512] = dmaPfn + 1;
        }
        return;
      case 'iova-range':
        return;
    }
  }

  /** Drop one page's entry from the design's structure; returns the device address it held. */
  private forget(region: Region, off: number): number {
    const gfn = region.gfn + off;
    this.entries--;
    switch (this.cfg.strategy) {
      case 'per-page-tree': {
        const s = STRUCTS.perPageEntry;
        const node = this.pageTree.find(gfn)!;
        this.pageTree.erase(node);
        this.charge(-s.sizeof, -s.slab);
        return node.data as number;
      }
      case 'flat-array': {
        const v = region.array!.get(off) - 1;
        region.array!.set(off, 0);
        return v;
      }
      case 'region-table': {
        const table = region.tables![1]!.get(Math.floor(off / 512))!;
        const v = table[off % 512]! - 1;
        table[off % 512] = 0;
        return v;
      }
      case 'iova-range':
        return region.iovaLo + off;
    }
  }

  private charge(sizeof: number, slab: number): void {
    this.sizeofBytes += sizeof;
    this.slabBytes += slab;
  }

  /** iova-range keeps its entries as PTEs in the vendor's VT-d table: its table pages are its tracking memory. */
  trackingSlabBytes(): number {
    return this.slabBytes + (this.cfg.strategy === 'iova-range' ? this.dma!.tableBytes() : 0);
  }

  trackingSizeofBytes(): number {
    return this.sizeofBytes + (this.cfg.strategy === 'iova-range' ? this.dma!.tableBytes() : 0);
  }
}
