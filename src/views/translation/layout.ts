// The translation map's geometry: which lanes a step's state needs (one per address space, the IOMMU
// page table's levels under the iova lane), their heights and order, each lane's runs as level-of-detail
// pyramids, what content each lane spans, and what sits under a point. Pure: no canvas, no React.

import type { Space } from '../../model/inspect/follow';
import type { PageTableView, StepState } from '../../model/inspect/state';
import type { Table } from '../../model/lib/table';
import { firstEndingAfter } from '../../model/lib/search';
import { argsort, gather } from '../shared/arrays';
import { buildPyramid, type Pyramid } from '../shared/lod';

export const LABEL_WIDTH = 132;
export const LANE_HEIGHT = 30;
export const LEVEL_HEIGHT = 13;
export const BAND_GAP = 30;
export const AXIS_HEIGHT = 14;

export type LaneId = Space | `pt${1 | 2 | 3 | 4 | 5}` | 'gpupt';

export interface Lane {
  id: LaneId;
  /** The address space its x axis is in (page-table rows share the iova axis; the GPU table its dma axis). */
  space: Space;
  title: string;
  subtitle: string;
  top: number;
  height: number;
  /** VT-d level for page-table rows. */
  level?: number;
}

/** A table's rows as sorted runs with a pyramid, built once per state. */
export interface Layer {
  start: Float64Array;
  pages: Float64Array;
  length: number;
  pyramid: Pyramid;
}

function layer(start: Float64Array, pages: Float64Array, length: number): Layer {
  return { start, pages, length, pyramid: buildPyramid({ start, pages, length }) };
}

const layers = new WeakMap<Table<string>, Layer>();

/** A table already sorted by `key` as a layer, kept with the table: the host frames come unchanged with every step. */
function tableLayer(t: Table<string>, key: string): Layer {
  let l = layers.get(t);
  if (!l) {
    l = layer(t.cols[key]!, t.cols.pages!, t.length);
    layers.set(t, l);
  }
  return l;
}

/** Rows of `t` in the order of `key` (for tables not already sorted by the lane's address). */
function sortedLayer(t: Table<string>, key: string): { layer: Layer; order: Uint32Array } {
  const k = t.cols[key]!;
  const order = argsort(k, t.length);
  return { layer: layer(gather(k, order), gather(t.cols.pages!, order), t.length), order };
}

/** Leaves of one VT-d level, and the table pages one level down (its non-leaf entries). */
export interface LevelLayers {
  leaves: Layer;
  /** The run each leaf row is (null: the runs are this level's leaves, row for row). */
  leafRows: Uint32Array | null;
  tables: Layer;
  tableRows: Uint32Array;
}

/** The row of the runs that leaf row r of a level is. */
export const runOf = (lv: LevelLayers, r: number): number => (lv.leafRows ? lv.leafRows[r]! : r);

const levelsOf = new WeakMap<PageTableView, Map<number, LevelLayers>>();

/** Each level's leaves and table pages as layers; built once per page table (the map and the table view share it). */
export function pageTableLevels(pt: PageTableView): Map<number, LevelLayers> {
  const hit = levelsOf.get(pt);
  if (hit) return hit;
  const out = new Map<number, LevelLayers>();
  const span = (level: number) => 512 ** (level - 1);
  const { level: leafLevel } = pt.runs.cols;
  const { level: tableLevel, base } = pt.tables.cols;
  // A guest on one page size has leaves at one level only (the domain counts them): its runs are that
  // level's leaves, with no pass over half a million runs to sort them by level. The layer reads the
  // runs' own arrays, which the next step's edit moves (worker/kept.ts): it lives as long as its state.
  const counted = [0, pt.leaves['4K'], pt.leaves['2M'], pt.leaves['1G'], 0, 0];
  const withLeaves = counted.flatMap((n, level) => (n > 0 ? [level] : []));
  const only = withLeaves.length === 1 ? withLeaves[0]! : -1;
  const leafRowsOf: Array<Uint32Array | null> = [];
  if (only < 0) {
    // Every level's leaf rows in two passes over the runs, not two per level.
    const perLevel = new Array<number>(pt.levels + 1).fill(0);
    for (let i = 0; i < pt.runs.length; i++) perLevel[leafLevel[i]!]!++;
    perLevel.forEach((n, level) => (leafRowsOf[level] = new Uint32Array(n)));
    const filled = new Array<number>(pt.levels + 1).fill(0);
    for (let i = 0; i < pt.runs.length; i++) {
      const l = leafLevel[i]!;
      leafRowsOf[l]![filled[l]!++] = i;
    }
  } else
    for (let level = 0; level <= pt.levels; level++) leafRowsOf[level] = level === only ? null : new Uint32Array(0);
  for (let level = 1; level <= pt.levels; level++) {
    const leafRows = leafRowsOf[level]!;
    const nl = leafRows ? leafRows.length : pt.runs.length;
    // A table page of level l − 1 is one entry of level l: it covers 512 entries of its own level.
    let nt = 0;
    for (let i = 0; i < pt.tables.length; i++) if (tableLevel[i] === level - 1) nt++;
    const rows = new Uint32Array(nt);
    for (let i = 0, k = 0; i < pt.tables.length; i++) if (tableLevel[i] === level - 1) rows[k++] = i;
    const bases = gather(base, rows);
    const order = argsort(bases, nt);
    const tableRows = new Uint32Array(nt);
    for (let i = 0; i < nt; i++) tableRows[i] = rows[order[i]!]!;
    out.set(level, {
      leaves: leafRows
        ? layer(gather(pt.runs.cols.iova, leafRows), gather(pt.runs.cols.pages, leafRows), nl)
        : layer(pt.runs.cols.iova, pt.runs.cols.pages, nl),
      leafRows,
      tables: layer(gather(bases, order), new Float64Array(nt).fill(512 * span(level - 1)), nt),
      tableRows,
    });
  }
  levelsOf.set(pt, out);
  return out;
}

export interface Layers {
  memslots: Layer;
  vendorByGfn: Layer;
  vendorRows: Uint32Array;
  vmas: Layer;
  vmaRows: Uint32Array;
  dmasByIova: Layer;
  dmasByVaddr: Layer;
  dmaVaddrRows: Uint32Array;
  allowed: Layer;
  pins: Layer;
  frames: Layer;
  hostPins: Layer;
  pt: Map<number, LevelLayers> | null;
  gpuPt: Layer | null;
  gpuIovad: Layer | null;
}

/** hi − lo + 1 for ranges written as [lo, hi]. */
function inclusiveLengths(lo: Float64Array, hi: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = hi[i]! - lo[i]! + 1;
  return out;
}

export function buildLayers(s: StepState): Layers {
  const vmas = sortedLayer(s.vmas, 'vpfn');
  const byVaddr = sortedLayer(s.dmas, 'vpfn');
  const v = s.vendor;
  const vendorTable = v ? (v.kind === 'kvmgt' ? v.entries : v.tracked) : null;
  const vendor = vendorTable ? sortedLayer(vendorTable, 'gfn') : null;
  const allowedPages = inclusiveLengths(s.iovaList.cols.lo, s.iovaList.cols.hi, s.iovaList.length);
  const gpuIovadPages = s.gpuIovad
    ? inclusiveLengths(s.gpuIovad.ranges.cols.lo, s.gpuIovad.ranges.cols.hi, s.gpuIovad.ranges.length)
    : null;
  return {
    memslots: tableLayer(s.memslots, 'gfn'),
    vendorByGfn: vendor?.layer ?? layer(new Float64Array(0), new Float64Array(0), 0),
    vendorRows: vendor?.order ?? new Uint32Array(0),
    vmas: vmas.layer,
    vmaRows: vmas.order,
    dmasByIova: tableLayer(s.dmas, 'iova'),
    dmasByVaddr: byVaddr.layer,
    dmaVaddrRows: byVaddr.order,
    allowed: layer(s.iovaList.cols.lo, allowedPages, s.iovaList.length),
    pins: tableLayer(s.pins, 'iova'),
    frames: tableLayer(s.frames, 'pfn'),
    hostPins: tableLayer(s.hostPins, 'pfn'),
    pt: s.iommu ? pageTableLevels(s.iommu) : null,
    gpuPt: s.gpu ? layer(s.gpu.runs.cols.iova, s.gpu.runs.cols.pages, s.gpu.runs.length) : null,
    gpuIovad:
      s.gpuIovad && gpuIovadPages ? layer(s.gpuIovad.ranges.cols.lo, gpuIovadPages, s.gpuIovad.ranges.length) : null,
  };
}

/** The bands between lanes grow to fill a tall map panel, up to this height. */
export const MAX_BAND_GAP = 128;

/**
 * The lanes a state needs, top to bottom, with their geometry. Given the room the panel has (pixels), the
 * bands between lanes share what is left over (up to MAX_BAND_GAP each), so a tall panel draws longer
 * translation bands rather than empty space below the map.
 */
export function lanes(s: StepState, room = 0): Lane[] {
  const rows: Array<Omit<Lane, 'top'> | 'gap'> = [];
  const add = (id: LaneId, space: Space, title: string, subtitle: string, height: number, level?: number) =>
    rows.push({ id, space, title, subtitle, height, ...(level ? { level } : {}) });
  const gap = () => rows.push('gap');
  if (s.memslots.length > 0 || s.vendor) {
    add('gpa', 'gpa', 'guest physical', s.memslots.length > 0 ? 'memslots · gfn' : 'gfn', LANE_HEIGHT);
    gap();
  }
  add('hva', 'hva', 'QEMU virtual', 'VMAs · vaddr', LANE_HEIGHT);
  gap();
  add('iova', 'iova', 'VFIO iova', s.iommu ? 'vfio_dma · PTEs' : 'vfio_dma · vfio_pfn', LANE_HEIGHT);
  if (s.iommu)
    for (let level = s.iommu.levels; level >= 1; level--)
      add(
        `pt${level as 1 | 2 | 3 | 4 | 5}`,
        'iova',
        `L${level}`,
        ['4 KiB', '2 MiB', '1 GiB', '512 GiB', '256 TiB'][level - 1]!,
        LEVEL_HEIGHT,
        level,
      );
  gap();
  add('hpa', 'hpa', 'host physical', 'frames · pins', LANE_HEIGHT);
  if (s.gpu) {
    gap();
    add('dma', 'dma', 'GPU DMA', `${s.gpu.id} · dma_addr`, LANE_HEIGHT);
  }
  let gaps = 0;
  let natural = AXIS_HEIGHT;
  for (const r of rows)
    if (r === 'gap') {
      gaps++;
      natural += BAND_GAP;
    } else natural += r.height;
  const band = Math.floor(Math.min(MAX_BAND_GAP, BAND_GAP + Math.max(0, room - natural) / gaps));
  const out: Lane[] = [];
  let y = 0;
  for (const r of rows)
    if (r === 'gap') y += band;
    else {
      out.push({ ...r, top: y });
      y += r.height;
    }
  return out;
}

export function totalHeight(ls: Lane[]): number {
  const last = ls.at(-1);
  return last ? last.top + last.height + AXIS_HEIGHT : 0;
}

/** The page range a lane's content spans (for "fit"), or null when it is empty. */
export function contentOf(l: Layers, space: Space): [number, number] | null {
  const parts: Layer[] = {
    gpa: [l.memslots, l.vendorByGfn],
    hva: [l.vmas],
    iova: [l.dmasByIova, ...(l.pt ? [...l.pt.values()].map((x) => x.leaves) : [])],
    hpa: [l.hostPins.length > 0 ? l.hostPins : l.frames],
    dma: [l.gpuPt, l.gpuIovad].filter((x): x is Layer => x !== null),
  }[space];
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of parts) {
    if (p.length === 0) continue;
    lo = Math.min(lo, p.start[0]!);
    // Sorted by start: the largest end is among the last few; take the true maximum.
    for (let i = 0; i < p.length; i++) hi = Math.max(hi, p.start[i]! + p.pages[i]!);
  }
  return lo < hi ? [lo, hi] : null;
}

/** The row of a layer whose run holds page p, or −1. */
export function rowAt(layer: Layer, p: number): number {
  const i = firstEndingAfter(layer.start, layer.pages, layer.length, p);
  return i < layer.length && layer.start[i]! <= p ? i : -1;
}
