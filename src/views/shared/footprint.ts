// Where a selection lands in every address space: a range picked in one view is carried through each
// translation the step's state holds — memslots (gpa ↔ hva), vfio_dma (iova ↔ hva), QEMU's iova == gpa,
// the IOMMU page table (iova → hpa), the vendor's entries (gfn → dma_addr) and the GPU's DMA domain
// (dma_addr → hpa) — so every view can highlight what the one selection touches. Pure; computed on the
// main thread from the columns the worker moved, so hovering costs no round trip.

import type { Space } from '../../model/inspect/follow';
import type { StepState } from '../../model/inspect/state';
import { firstAbove, firstEndingAfter } from '../../model/lib/search';
import type { Selection } from '../../state/selection';
import { argsort, gather } from './arrays';

export const SPACES: readonly Space[] = ['gpa', 'hva', 'iova', 'hpa', 'dma'];

/** Sorted, merged page ranges: starts and lengths. */
export interface PageRanges {
  lo: number[];
  pages: number[];
  /** More ranges than kept (the footprint of a whole 1 TiB guest is half a million host runs). */
  truncated: boolean;
}

export type Footprint = Record<Space, PageRanges>;

/** At most this many ranges per space: enough to draw, small enough to compute on every hover. */
export const MAX_RANGES = 20000;

/** A translation: runs [src, src + pages) → [dst, dst + pages), sorted by src. */
interface Mapping {
  from: Space;
  to: Space;
  length: number;
  src: Float64Array;
  dst: Float64Array;
  pages: Float64Array;
  /** Rows in dst order, built on first use for reverse lookups. */
  byDst?: Uint32Array;
}

function mapping(
  from: Space,
  to: Space,
  src: Float64Array,
  dst: Float64Array,
  pages: Float64Array,
  length: number,
): Mapping {
  return { from, to, length, src, dst, pages };
}

const cache = new WeakMap<StepState, Mapping[]>();

/** Every translation the state holds, once per state. */
function mappings(s: StepState): Mapping[] {
  const hit = cache.get(s);
  if (hit) return hit;
  const out: Mapping[] = [];
  const m = s.memslots.cols;
  out.push(mapping('gpa', 'hva', m.gfn, m.vpfn, m.pages, s.memslots.length));
  const d = s.dmas.cols;
  out.push(mapping('iova', 'hva', d.iova, d.vpfn, d.pages, s.dmas.length));
  // QEMU maps guest RAM at iova == gpa: the identity, where a vfio_dma and a memslot both exist.
  if (s.memslots.length > 0) out.push(mapping('gpa', 'iova', d.iova, d.iova, d.pages, s.dmas.length));
  if (s.iommu) {
    const r = s.iommu.runs.cols;
    out.push(mapping('iova', 'hpa', r.iova, r.pfn, r.pages, s.iommu.runs.length));
  } else {
    const p = s.pins.cols;
    out.push(mapping('iova', 'hpa', p.iova, p.pfn, p.pages, s.pins.length));
  }
  const v = s.vendor;
  if (v?.kind === 'kvmgt')
    out.push(mapping('gpa', 'dma', v.entries.cols.gfn, v.entries.cols.dma, v.entries.cols.pages, v.entries.length));
  else if (v?.kind === 'tracking')
    out.push(mapping('gpa', 'dma', v.tracked.cols.gfn, v.tracked.cols.dma, v.tracked.cols.pages, v.tracked.length));
  if (s.gpu) {
    const g = s.gpu.runs.cols;
    out.push(mapping('dma', 'hpa', g.iova, g.pfn, g.pages, s.gpu.runs.length));
  } else if (v) {
    // No host IOMMU: the device's dma_addr is the host physical address.
    const e = v.kind === 'kvmgt' ? v.entries.cols : v.tracked.cols;
    const n = v.kind === 'kvmgt' ? v.entries.length : v.tracked.length;
    const sorted = argsort(e.dma, n);
    const dma = gather(e.dma, sorted);
    out.push(mapping('dma', 'hpa', dma, dma, gather(e.pages, sorted), n));
  }
  cache.set(s, out);
  return out;
}

/** The image of ranges under the mapping, forward (src → dst) or back. */
function carry(m: Mapping, ranges: PageRanges, forward: boolean, out: Array<[number, number]>): void {
  let order: Uint32Array | null = null;
  if (!forward) order = m.byDst ??= argsort(m.dst, m.length);
  const key = forward ? m.src : m.dst;
  const val = forward ? m.dst : m.src;
  const at = (i: number) => (order ? order[i]! : i);
  for (let r = 0; r < ranges.lo.length && out.length < MAX_RANGES; r++) {
    const lo = ranges.lo[r]!;
    const hi = lo + ranges.pages[r]!;
    for (
      let i = firstAbove((k) => key[at(k)]! + m.pages[at(k)]!, m.length, lo);
      i < m.length && key[at(i)]! < hi && out.length < MAX_RANGES;
      i++
    ) {
      const row = at(i);
      const a = Math.max(lo, key[row]!);
      const b = Math.min(hi, key[row]! + m.pages[row]!);
      if (b > a) out.push([val[row]! + (a - key[row]!), b - a]);
    }
  }
}

function merged(list: Array<[number, number]>): PageRanges {
  list.sort((a, b) => a[0] - b[0]);
  const lo: number[] = [];
  const pages: number[] = [];
  for (const [a, n] of list) {
    const k = lo.length - 1;
    if (k >= 0 && a <= lo[k]! + pages[k]!) pages[k] = Math.max(pages[k]!, a + n - lo[k]!);
    else {
      lo.push(a);
      pages.push(n);
    }
  }
  return { lo, pages, truncated: list.length >= MAX_RANGES };
}

const none = (): PageRanges => ({ lo: [], pages: [], truncated: false });

/** The selection [lo, lo + pages) of `space`, carried into every space it reaches. */
export function footprint(s: StepState, space: Space, lo: number, pages: number): Footprint {
  const fp = { gpa: none(), hva: none(), iova: none(), hpa: none(), dma: none() } as Footprint;
  fp[space] = { lo: [lo], pages: [pages], truncated: false };
  const reached = new Set<Space>([space]);
  const queue: Space[] = [space];
  const maps = mappings(s);
  while (queue.length > 0) {
    const from = queue.shift()!;
    for (const m of maps) {
      const forward = m.from === from;
      const to = forward ? m.to : m.to === from ? m.from : null;
      if (to === null || reached.has(to)) continue;
      const out: Array<[number, number]> = [];
      carry(m, fp[from], forward, out);
      if (out.length === 0) continue;
      fp[to] = merged(out);
      reached.add(to);
      queue.push(to);
    }
  }
  return fp;
}

/** Whether [lo, lo + pages) overlaps any range of r (binary search). */
export function overlaps(r: PageRanges, lo: number, pages: number): boolean {
  const i = firstEndingAfter(r.lo, r.pages, r.lo.length, lo);
  return i < r.lo.length && r.lo[i]! < lo + pages;
}

let last: { s: StepState; sel: Selection; fp: Footprint } | null = null;

/** The footprint of the active selection, computed once for all the views that draw it. */
export function selectionFootprint(s: StepState | null, sel: Selection | null): Footprint | null {
  if (!s || !sel) return null;
  if (last?.s !== s || last.sel !== sel) last = { s, sel, fp: footprint(s, sel.space, sel.lo, sel.pages) };
  return last.fp;
}
