// What a simulation holds at one step, read without changing or copying its structures, as columns of
// numbers the views draw from: QEMU's memslots and VMAs, type1's vfio_dma tree and pfn_lists, the first
// IOMMU domain's page table as runs (consecutive PTEs of one level with consecutive addresses and equal
// bits merged) and its table pages, host frames by what backs them and by pins, iova.c, the vendor's
// cache or design, and the gauges. Page numbers throughout (4 KiB pages); all reads, no kernel analogue.

import type { IommuDomain } from '../iommu/core';
import type { IovaDomain } from '../iommu/iova';
import { leafTotal } from '../iommu/types';
import { next, type RbNode } from '../lib/rbtree';
import { TableBuilder, copyTables, emptyTable, type Table } from '../lib/table';
import type { Sim } from '../engine/sim';
import { hostPinExtents } from '../host/pins';
import { dmaColumns } from '../vfio/dma';
import type { GvtDma } from '../mdev/kvmgt';
import { RunWriter, type RunTable } from './runs';
import { treeShape, type TreeShape } from './tree';

/** Backing of host frames. */
export const FRAME_RAM = 0;
export const FRAME_HUGE_2M = 1;
export const FRAME_HUGE_1G = 2;
export const FRAME_MMIO = 3;

/** What backs a VMA. */
export const VMA_RAM = 0;
export const VMA_MMIO = 1;
export const VMA_NONE = 2;

export interface PageTableView {
  id: string;
  levels: number;
  gawBits: number;
  /** Leaves merged into runs: iova page, host pfn, pages, level (1 = 4 KiB), the entry's low 12 bits. */
  runs: RunTable;
  /** Table pages in use, root first: level, first iova page covered, entries used, the page's own pfn. */
  tables: Table<'level' | 'base' | 'used' | 'pfn'>;
  leaves: { '4K': number; '2M': number; '1G': number };
}

export interface IovadView {
  startPfn: number;
  dma32Pfn: number;
  granuleShift: number;
  max32AllocSize: number;
  /** Allocated ranges in order (inclusive ends), the anchor left out. */
  ranges: Table<'lo' | 'hi'>;
  /** lo of the range cached_node / cached32_node points at; −1 for the anchor. */
  cached: number;
  cached32: number;
  /** Pfns waiting in the range cache: size class (log2 of granules), where (0 loaded, 1 prev, 2 depot). */
  rcache: Table<'order' | 'where' | 'pfn'>;
  tree: TreeShape;
}

export interface KvmgtView {
  kind: 'kvmgt';
  hostIommu: 'off' | 'dma';
  /** gvt_dma entries in gfn order: gfn, device address page, pages (1 or 512), kref. */
  entries: Table<'gfn' | 'dma' | 'pages' | 'kref'>;
  gfnTree: TreeShape;
  dmaTree: TreeShape;
}

export interface TrackingView {
  kind: 'tracking';
  strategy: string;
  policy: string;
  hostIommu: 'off' | 'dma';
  regions: Table<'gfn' | 'pages' | 'iova' | 'levels'>;
  tracked: Table<'gfn' | 'dma' | 'pages'>;
  tablePages: Table<'region' | 'level' | 'index'>;
  pageTree: TreeShape | null;
}

export interface Gauges {
  /** mm->locked_vm; below zero it has wrapped (an unsigned counter). */
  lockedVm: number;
  limitPages: number;
  capIpcLock: boolean;
  /** −1 before 5.1 (no dma_avail). */
  dmaAvail: number;
  dmaEntryLimit: number;
  leaves4k: number;
  leaves2m: number;
  leaves1g: number;
  tablePages: number;
  vfioPfns: number;
  pinnedPages: number;
  pins: number;
  vaddrInvalid: number;
  domains: number;
  emulatedGroups: number;
  blocked: number;
}

export interface StepState {
  memslots: Table<'gfn' | 'pages' | 'vpfn'>;
  /** QEMU's VMAs: vaddr page, pages, what backs it, first host pfn, stride, pages per backing unit. */
  vmas: Table<'vpfn' | 'pages' | 'kind' | 'pfn' | 'stride' | 'unit'>;
  vmaNames: string[];
  /** vfio_dma entries in iova order: flags bit 0 iommu_mapped, bit 1 vaddr_invalid. */
  dmas: Table<'iova' | 'pages' | 'vpfn' | 'prot' | 'flags' | 'vfioPfns'>;
  dmaTree: TreeShape;
  /** vfio_pfn runs: consecutive iova pages with consecutive pfns and one refcount. */
  pins: Table<'iova' | 'pfn' | 'pages' | 'ref'>;
  /** The usable iova ranges (iova_list), inclusive page ranges; empty = no restriction. */
  iovaList: Table<'lo' | 'hi'>;
  iommu: PageTableView | null;
  /** Every IOMMU domain of the container (the first one is `iommu`). */
  domains: Array<{ id: string; leaves: number }>;
  frames: Table<'pfn' | 'pages' | 'kind'>;
  hostPins: Table<'pfn' | 'pages' | 'pins'>;
  /** The GPU's own DMA domain when a vendor maps through the host IOMMU. */
  gpu: PageTableView | null;
  gpuIovad: IovadView | null;
  iovad: IovadView | null;
  vendor: KvmgtView | TrackingView | null;
  gauges: Gauges;
}

/** The domain's leaves as runs, and its table pages. */
export function pageTableView(d: IommuDomain, runs: RunTable = readAllRuns(d)): PageTableView {
  const tables = new TableBuilder(['level', 'base', 'used', 'pfn'] as const);
  d.table.forEachTable((level, base, used, pfn) => tables.push(level, base, used, pfn));
  return {
    id: d.id,
    levels: d.cfg.levels,
    gawBits: d.cfg.gawBits,
    runs,
    tables: tables.build(),
    leaves: d.leafCounts(),
  };
}

function readAllRuns(d: IommuDomain): RunTable {
  // Sized for a run per leaf (up to 2^21 leaves): no chain of ever longer copies while reading.
  const c = d.leafCounts();
  const w = new RunWriter(Math.max(1024, Math.min(1 << 21, c['4K'] + c['2M'] + c['1G'])));
  w.read(d.table);
  return w.build();
}

export function iovadView(d: IovaDomain): IovadView {
  const ranges = new TableBuilder(['lo', 'hi'] as const);
  for (let n = d.tree.first(); n; n = next(n)) if (n !== d.anchor) ranges.push(n.lo, n.hi);
  const rcache = new TableBuilder(['order', 'where', 'pfn'] as const);
  d.rcaches.forEach((r, order) => {
    const cpu = r.cpu[0]!;
    for (const pfn of cpu.loaded) rcache.push(order, 0, pfn);
    for (const pfn of cpu.prev) rcache.push(order, 1, pfn);
    for (const mag of r.depot) for (const pfn of mag) rcache.push(order, 2, pfn);
  });
  const at = (n: RbNode | null) => (n === null || n === d.anchor ? -1 : n.lo);
  return {
    startPfn: d.startPfn,
    dma32Pfn: d.dma32bitPfn,
    granuleShift: d.granuleShift,
    max32AllocSize: d.max32AllocSize,
    ranges: ranges.build(),
    cached: at(d.cachedNode),
    cached32: at(d.cached32Node),
    rcache: rcache.build(),
    tree: treeShape(d.tree),
  };
}

/**
 * vfio_pfn of every mapping in iova order, merged into runs. Only the entries whose row counts vfio_pfn are
 * visited: most have none (a list is made only by a vendor's pins), and thousands cost nothing.
 */
function pinRuns(sim: Sim, dmas: StepState['dmas']): Table<'iova' | 'pfn' | 'pages' | 'ref'> {
  const runs = new TableBuilder(['iova', 'pfn', 'pages', 'ref'] as const);
  for (let k = 0; k < dmas.length; k++) {
    if (dmas.cols.vfioPfns[k] === 0) continue;
    const d = sim.iommu.dmaList.items[k]!;
    const keys = Float64Array.from(d.pfnList.values(), (v) => v.iovaPfn).sort();
    for (const iova of keys) {
      const v = d.pfnList.get(iova)!;
      const n = runs.length;
      if (
        n > 0 &&
        runs.last('ref') === v.refCount &&
        runs.last('iova') + runs.last('pages') === iova &&
        runs.last('pfn') + runs.last('pages') === v.pfn
      )
        runs.setLast('pages', runs.last('pages') + 1);
      else runs.push(iova, v.pfn, 1, v.refCount);
    }
  }
  return runs.build();
}

/** Host frames by what backs each region of QEMU's address space, in pfn order (regions merged). */
const unitsBySlots = new WeakMap<object, Table<'pfn' | 'pages' | 'kind'>>();

function frameRuns(sim: Sim): Table<'pfn' | 'pages' | 'kind'> {
  const lists: Array<Table<'pfn' | 'pages' | 'kind'>> = [];
  for (const r of sim.memory.regions) {
    if (r.backing === 'none') continue;
    const b = new TableBuilder(['pfn', 'pages', 'kind'] as const);
    const kind =
      r.backing === 'vm_pfnmap_reserved'
        ? FRAME_MMIO
        : r.layout === 'hugepages'
          ? r.unitPages === 512
            ? FRAME_HUGE_2M
            : FRAME_HUGE_1G
          : FRAME_RAM;
    if (r.slots) {
      // The layout never changes after the environment is built, and every checkpoint shares its slots:
      // the sorted list is made once per layout (a copy goes out, as the reply moves its arrays away).
      let units = unitsBySlots.get(r.slots);
      if (!units) {
        const u = new TableBuilder(['pfn', 'pages', 'kind'] as const);
        // Unit k sits at slot P[k]; slots in order are the units in pfn order.
        const slots = Uint32Array.from(r.slots).sort();
        for (const slot of slots) u.push(r.firstPfn + 2 * slot * r.unitPages, r.unitPages, kind);
        units = u.build();
        unitsBySlots.set(r.slots, units);
      }
      lists.push(copyTables(units));
      continue;
    } else if (r.layout === 'stride' && r.stride > 1) {
      for (let k = 0; k < r.npages; k++) b.push(r.firstPfn + r.stride * k, 1, kind);
    } else b.push(r.firstPfn, r.npages, kind);
    lists.push(b.build());
  }
  if (lists.length === 1) return lists[0]!;
  // Merge the regions' sorted lists (there are few regions).
  const out = new TableBuilder(['pfn', 'pages', 'kind'] as const);
  const at = lists.map(() => 0);
  for (;;) {
    let best = -1;
    for (let i = 0; i < lists.length; i++)
      if (at[i]! < lists[i]!.length && (best < 0 || lists[i]!.cols.pfn[at[i]!]! < lists[best]!.cols.pfn[at[best]!]!))
        best = i;
    if (best < 0) return out.build();
    const l = lists[best]!;
    const k = at[best]!++;
    out.push(l.cols.pfn[k]!, l.cols.pages[k]!, l.cols.kind[k]!);
  }
}

function vendorView(sim: Sim): KvmgtView | TrackingView | null {
  if (sim.kvmgt) {
    const k = sim.kvmgt;
    const entries = new TableBuilder(['gfn', 'dma', 'pages', 'kref'] as const);
    for (let n = k.gfnCache.first(); n; n = next(n)) {
      const e = n.data as GvtDma;
      entries.push(e.gfn, e.dmaAddr / 4096, Math.ceil(e.size / 4096), e.kref);
    }
    return {
      kind: 'kvmgt',
      hostIommu: k.hostIommu,
      entries: entries.build(),
      gfnTree: treeShape(k.gfnCache),
      dmaTree: treeShape(k.dmaAddrCache),
    };
  }
  if (sim.tracking) {
    const t = sim.tracking;
    const d = t.describe();
    return {
      kind: 'tracking',
      strategy: t.cfg.strategy,
      policy: t.cfg.policy,
      hostIommu: t.cfg.hostIommu,
      regions: d.regions,
      tracked: d.tracked,
      tablePages: d.tablePages,
      pageTree: d.pageTree ? treeShape(d.pageTree) : null,
    };
  }
  return null;
}

/** What a reader that knows an earlier step's state hands in instead of reading from scratch (patch.ts). */
export interface Reuse {
  /** The first domain's view (asked for after the host pins). */
  iommu?: () => PageTableView;
  /**
   * Host pins with the pages pinned and the pins in all, given this step's vfio_pfn runs and vfio_dma
   * entries; null: read them from scratch.
   */
  hostPins?(
    pins: StepState['pins'],
    dmas: StepState['dmas'],
  ): { table: StepState['hostPins']; pages: number; pins: number } | null;
  /** Host frames as an earlier state of the same simulation read them: QEMU's memory never changes once built. */
  frames?: StepState['frames'];
}

export function inspect(sim: Sim, reuse?: Reuse): StepState {
  const iommu = sim.iommu;
  const memslots = new TableBuilder(['gfn', 'pages', 'vpfn'] as const);
  for (const m of sim.memslots) memslots.push(m.gfn, m.pages, m.vpfn);
  const vmas = new TableBuilder(['vpfn', 'pages', 'kind', 'pfn', 'stride', 'unit'] as const);
  for (const r of sim.memory.regions) {
    const kind = r.backing === 'ram' ? VMA_RAM : r.backing === 'vm_pfnmap_reserved' ? VMA_MMIO : VMA_NONE;
    vmas.push(r.vaddrPfn, r.npages, kind, r.firstPfn, r.layout === 'stride' ? r.stride : 1, r.unitPages);
  }
  const dmas = dmaColumns(iommu.dmaList);
  const iovaList = new TableBuilder(['lo', 'hi'] as const);
  for (const [lo, hi] of iommu.iovaList) iovaList.push(Number(lo >> 12n), Number(hi >> 12n));
  const first = iommu.firstDomain;
  const pins = pinRuns(sim, dmas);
  const reused = reuse?.hostPins?.(pins, dmas) ?? null;
  const pt = first ? (reuse?.iommu?.() ?? pageTableView(first)) : null;
  const hostPins = reused?.table ?? readHostPins(iommu, pt, dmas);
  let pinnedPages = reused?.pages ?? 0;
  let pinCount = reused?.pins ?? 0;
  if (!reused)
    for (let i = 0; i < hostPins.length; i++) {
      pinnedPages += hostPins.cols.pages[i]!;
      pinCount += hostPins.cols.pages[i]! * hostPins.cols.pins[i]!;
    }
  let vfioPfns = 0;
  for (let k = 0; k < dmas.length; k++) vfioPfns += dmas.cols.vfioPfns[k]!;
  const vendorDma = sim.kvmgt?.dma ?? sim.tracking?.dma ?? null;
  const leaves = pt?.leaves ?? { '4K': 0, '2M': 0, '1G': 0 };
  return {
    memslots: memslots.build(),
    vmas: vmas.build(),
    vmaNames: sim.memory.regions.map((r) => r.name),
    dmas,
    dmaTree: treeShape(iommu.dmaList.tree),
    pins,
    iovaList: iovaList.build(),
    iommu: pt,
    domains: iommu.domains.map((d) => {
      const c = d.domain.leafCounts();
      return { id: d.domain.id, leaves: leafTotal(c) };
    }),
    frames: reuse?.frames ?? frameRuns(sim),
    hostPins,
    gpu: vendorDma ? pageTableView(vendorDma.domain) : null,
    gpuIovad: vendorDma ? iovadView(vendorDma.iovad) : null,
    iovad: sim.iovad ? iovadView(sim.iovad) : null,
    vendor: vendorView(sim),
    gauges: {
      lockedVm: sim.mm.lockedVm,
      limitPages: sim.mm.limitPages,
      capIpcLock: sim.mm.capIpcLock,
      dmaAvail: iommu.hasDmaAvail ? iommu.dmaAvail : -1,
      dmaEntryLimit: iommu.opts.dmaEntryLimit,
      leaves4k: leaves['4K'],
      leaves2m: leaves['2M'],
      leaves1g: leaves['1G'],
      tablePages: pt?.tables.length ?? 0,
      vfioPfns,
      pinnedPages,
      pins: pinCount,
      vaddrInvalid: iommu.vaddrInvalidCount,
      domains: iommu.domains.length,
      emulatedGroups: iommu.emulatedGroups.length,
      blocked: sim.parked.length,
    },
  };
}

function readHostPins(iommu: Sim['iommu'], pt: PageTableView | null, dmas: StepState['dmas']): StepState['hostPins'] {
  const x = hostPinExtents(
    iommu,
    pt
      ? { length: pt.runs.length, iova: pt.runs.cols.iova, pfn: pt.runs.cols.pfn, pages: pt.runs.cols.pages }
      : undefined,
    dmas,
  );
  return { length: x.length, cols: { pfn: x.pfn, pages: x.npages, pins: x.pins } };
}

/** A state with nothing in it (before a scenario is loaded). */
export function emptyState(): StepState {
  return {
    memslots: emptyTable(['gfn', 'pages', 'vpfn']),
    vmas: emptyTable(['vpfn', 'pages', 'kind', 'pfn', 'stride', 'unit']),
    vmaNames: [],
    dmas: emptyTable(['iova', 'pages', 'vpfn', 'prot', 'flags', 'vfioPfns']),
    dmaTree: { size: 0, height: 0, nodes: emptyTable(['lo', 'hi', 'depth', 'red', 'parent', 'hidden']) },
    pins: emptyTable(['iova', 'pfn', 'pages', 'ref']),
    iovaList: emptyTable(['lo', 'hi']),
    iommu: null,
    domains: [],
    frames: emptyTable(['pfn', 'pages', 'kind']),
    hostPins: emptyTable(['pfn', 'pages', 'pins']),
    gpu: null,
    gpuIovad: null,
    iovad: null,
    vendor: null,
    gauges: {
      lockedVm: 0,
      limitPages: 0,
      capIpcLock: false,
      dmaAvail: -1,
      dmaEntryLimit: 0,
      leaves4k: 0,
      leaves2m: 0,
      leaves1g: 0,
      tablePages: 0,
      vfioPfns: 0,
      pinnedPages: 0,
      pins: 0,
      vaddrInvalid: 0,
      domains: 0,
      emulatedGroups: 0,
      blocked: 0,
    },
  };
}
