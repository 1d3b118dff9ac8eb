// What changed between two steps, per address space: the ranges where a mapping, a pin, an entry or a
// range appeared (added), went away (removed) or now says something else (changed). Every view outlines
// what overlaps these ranges; from step k+1 back to k the same function gives the reverse. Sweeps of
// sorted runs, so a 1 TiB MAP_DMA's half a million runs cost one pass. No kernel analogue.

import { sortPairs } from '../lib/radix';
import { giveF64, keptArray, keptCopy, takeF64 } from '../lib/scratch';
import { TableBuilder, type Table } from '../lib/table';
import type { RunTable } from './runs';
import type { StepState } from './state';

export const ADDED = 1;
export const REMOVED = 2;
export const CHANGED = 3;

/** Sorted, non-overlapping runs of a piecewise map: equal `vals` on an address means the same thing there. */
export interface Segments {
  length: number;
  start: Float64Array;
  pages: Float64Array;
  vals: Float64Array[];
}

export type Ranges = Table<'lo' | 'pages' | 'kind'>;

export interface Changes {
  /** VFIO iova (= gpa for QEMU): vfio_dma entries, PTEs of the first domain, vfio_pfn pins. */
  iova: Ranges;
  /** QEMU's virtual addresses: the vfio_dma entries' vaddr ranges. */
  hva: Ranges;
  /** Host frames: pin counts. */
  hpa: Ranges;
  /** Guest frames: the vendor's entries. */
  gpa: Ranges;
  /** The GPU's DMA addresses: its DMA domain's PTEs and the vendor's entries. */
  dma: Ranges;
  /** The scenario's own iova.c domain (iovad pfns). */
  iovad: Ranges;
}

/** What changed, already known when the second state was read as an edit of the first (patch.ts). */
export interface DiffHint {
  /** The first domain's page-table runs. */
  pt: Ranges;
  /** vfio_dma entries by iova, when the state's host pins were read (null: compare them). */
  dmas: Ranges | null;
  /** Host pins, when they were edited (null: compare them whole). */
  hpa: Ranges | null;
}

function same(a: Segments, i: number, b: Segments, j: number): boolean {
  for (let k = 0; k < a.vals.length; k++) if (a.vals[k]![i] !== b.vals[k]![j]) return false;
  return true;
}

/** Every run of s, as one kind of change (runs that touch or overlap merged). */
function all(s: Segments, kind: number): Ranges {
  const lo = takeF64(s.length);
  const pages = takeF64(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    // vaddr ranges may overlap: their union.
    if (n > 0 && s.start[i]! <= lo[n - 1]! + pages[n - 1]!)
      pages[n - 1] = Math.max(pages[n - 1]!, s.start[i]! + s.pages[i]! - lo[n - 1]!);
    else {
      lo[n] = s.start[i]!;
      pages[n++] = s.pages[i]!;
    }
  }
  const out = {
    length: n,
    cols: {
      lo: keptCopy(lo, n),
      pages: keptCopy(pages, n),
      kind: keptArray(n).fill(kind),
    },
  };
  giveF64(lo);
  giveF64(pages);
  return out;
}

/** The ranges where a and b differ, merged, in address order. */
export function diffSegments(a: Segments, b: Segments): Ranges {
  // A whole guest mapped or unmapped: everything on one side, in one pass.
  if (a.length === 0) return all(b, ADDED);
  if (b.length === 0) return all(a, REMOVED);
  const out = new TableBuilder(['lo', 'pages', 'kind'] as const);
  // The range being grown, in locals: a 1 TiB MAP_DMA adds half a million runs that merge into one range.
  let pLo = 0;
  let pHi = 0;
  let pKind = 0;
  const emit = (lo: number, hi: number, kind: number) => {
    if (hi <= lo) return;
    if (pKind === kind && pHi === lo) {
      pHi = hi;
      return;
    }
    if (pKind !== 0) out.push(pLo, pHi - pLo, pKind);
    pLo = lo;
    pHi = hi;
    pKind = kind;
  };
  let i = 0;
  let j = 0;
  let x = -Infinity;
  while (i < a.length || j < b.length) {
    // Skip runs that end at or before x.
    while (i < a.length && a.start[i]! + a.pages[i]! <= x) i++;
    while (j < b.length && b.start[j]! + b.pages[j]! <= x) j++;
    if (i >= a.length && j >= b.length) break;
    const aIn = i < a.length && a.start[i]! <= x;
    const bIn = j < b.length && b.start[j]! <= x;
    if (!aIn && !bIn) {
      x = Math.min(i < a.length ? a.start[i]! : Infinity, j < b.length ? b.start[j]! : Infinity);
      continue;
    }
    // The next place where either side starts or ends a run.
    const aEdge = aIn ? a.start[i]! + a.pages[i]! : i < a.length ? a.start[i]! : Infinity;
    const bEdge = bIn ? b.start[j]! + b.pages[j]! : j < b.length ? b.start[j]! : Infinity;
    const end = Math.min(aEdge, bEdge);
    if (aIn && bIn) {
      if (!same(a, i, b, j)) emit(x, end, CHANGED);
    } else emit(x, end, aIn ? REMOVED : ADDED);
    x = end;
  }
  if (pKind !== 0) out.push(pLo, pHi - pLo, pKind);
  return out.build();
}

/** Translations as segments: equal when they send the address to the same place (target − source). */
function translation(t: Table<string>, from: string, to: string, ...also: string[]): Segments {
  const src = t.cols[from]!;
  const dst = t.cols[to]!;
  const offset = new Float64Array(t.length);
  for (let i = 0; i < t.length; i++) offset[i] = dst[i]! - src[i]!;
  return { length: t.length, start: src, pages: t.cols.pages!, vals: [offset, ...also.map((c) => t.cols[c]!)] };
}

function ranges(t: Table<string>, lo: string, pages: string, ...vals: string[]): Segments {
  return { length: t.length, start: t.cols[lo]!, pages: t.cols[pages]!, vals: vals.map((c) => t.cols[c]!) };
}

/** iova.c ranges as segments (inclusive ends). */
function iovadSegments(t: Table<'lo' | 'hi'>): Segments {
  const pages = new Float64Array(t.length);
  for (let i = 0; i < t.length; i++) pages[i] = t.cols.hi[i]! - t.cols.lo[i]! + 1;
  return { length: t.length, start: t.cols.lo, pages, vals: [t.cols.lo] };
}

/**
 * Several maps over one address space: where any of them changed. Pages that two maps report with
 * different kinds are changed; neighbouring ranges merge only when their kind is the same.
 */
export function union(...all: Ranges[]): Ranges {
  // A map that says what an earlier one says adds nothing: a MAP_DMA or UNMAP_DMA changes its vfio_dma
  // and its PTEs over the same ranges, and a far jump's thousands of them are not swept twice.
  const parts = all.filter((p, k) => p.length > 0 && !all.slice(0, k).some((q) => sameRanges(p, q)));
  // One map changed (or none): its ranges are the answer, already sorted and merged.
  if (parts.length <= 1) return parts[0] ?? all[0]!;
  // Sweep the edges: at each elementary interval, how many ranges of each kind cover it. Each map's ranges
  // are sorted and do not overlap, so its edges (start, end, start, …) already ascend: they are merged, not
  // sorted. Edges at one address may come in any order, as nothing is written until the address moves on.
  let n = 0;
  for (const p of parts) n += 2 * p.length;
  const pos = takeF64(n);
  /** kind × 2, + 1 where a range starts. */
  const code = takeF64(n);
  const next = parts.map(() => 0);
  const edge = (p: Ranges, e: number) => p.cols.lo[e >> 1]! + (e & 1 ? p.cols.pages[e >> 1]! : 0);
  for (let e = 0; e < n; e++) {
    let best = -1;
    let x = Infinity;
    for (let q = 0; q < parts.length; q++) {
      const p = parts[q]!;
      if (next[q]! < 2 * p.length && edge(p, next[q]!) < x) {
        best = q;
        x = edge(p, next[q]!);
      }
    }
    const p = parts[best]!;
    const k = next[best]!++;
    pos[e] = x;
    code[e] = 2 * p.cols.kind[k >> 1]! + (k & 1 ? 0 : 1);
  }
  const out = new TableBuilder(['lo', 'pages', 'kind'] as const);
  const open = [0, 0, 0, 0];
  let at = -Infinity;
  for (let k = 0; k < n; k++) {
    const x = pos[k]!;
    if (x > at) {
      const covering = (open[ADDED]! > 0 ? 1 : 0) + (open[REMOVED]! > 0 ? 1 : 0) + (open[CHANGED]! > 0 ? 1 : 0);
      if (covering > 0) {
        const kind = covering > 1 ? CHANGED : open[ADDED]! > 0 ? ADDED : open[REMOVED]! > 0 ? REMOVED : CHANGED;
        if (out.length > 0 && out.last('kind') === kind && out.last('lo') + out.last('pages') === at)
          out.setLast('pages', out.last('pages') + x - at);
        else out.push(at, x - at, kind);
      }
      at = x;
    }
    const c = code[k]!;
    open[c >> 1]! += c & 1 ? 1 : -1;
  }
  giveF64(pos);
  giveF64(code);
  return out.build();
}

function sameRanges(a: Ranges, b: Ranges): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++)
    if (a.cols.lo[i] !== b.cols.lo[i] || a.cols.pages[i] !== b.cols.pages[i] || a.cols.kind[i] !== b.cols.kind[i])
      return false;
  return true;
}

/** The first n keys sorted, and the rows they came from (a stable sort). */
function orderBy(keys: Float64Array, n: number): { keys: Float64Array; order: Float64Array } {
  const k = keys.slice(0, n);
  const order = new Float64Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  sortPairs(k, order);
  return { keys: k, order };
}

/** vfio_dma entries by iova: equal when vaddr, prot and flags are. */
export function dmaSegments(t: StepState['dmas']): Segments {
  return ranges(t, 'iova', 'pages', 'vpfn', 'prot', 'flags');
}

/** Page-table runs [a, b) as translation segments. */
export function runSegments(t: RunTable, a = 0, b = t.length): Segments {
  const part = (c: Float64Array) => (a === 0 && b === t.length ? c : c.subarray(a, b));
  const c = t.cols;
  return translation(
    {
      length: b - a,
      cols: { iova: part(c.iova), pfn: part(c.pfn), pages: part(c.pages), level: part(c.level), bits: part(c.bits) },
    },
    'iova',
    'pfn',
    'level',
    'bits',
  );
}

const NONE = { length: 0, start: new Float64Array(0), pages: new Float64Array(0), vals: [] };

/** `hint`: what inspectSince (patch.ts) found changed while it read b as an edit of a, not compared again. */
export function diffStates(a: StepState, b: StepState, hint?: DiffHint): Changes {
  const pt = (s: StepState) => (s.iommu ? runSegments(s.iommu.runs) : NONE);
  const gpu = (s: StepState) => (s.gpu ? translation(s.gpu.runs, 'iova', 'pfn', 'level', 'bits') : NONE);
  const dmasByVaddr = (s: StepState) => {
    // vaddr ranges may come in any order (and may even overlap): sort them by vaddr, unless they already
    // are (QEMU maps guest RAM at one vaddr offset: the usual case).
    const vpfn = s.dmas.cols.vpfn;
    let sorted = true;
    for (let i = 1; i < s.dmas.length && sorted; i++) sorted = vpfn[i - 1]! <= vpfn[i]!;
    if (sorted) return { length: s.dmas.length, start: vpfn, pages: s.dmas.cols.pages, vals: [s.dmas.cols.iova] };
    const { keys, order } = orderBy(vpfn, s.dmas.length);
    const pick = (c: Float64Array) => {
      const out = new Float64Array(order.length);
      for (let i = 0; i < order.length; i++) out[i] = c[order[i]!]!;
      return out;
    };
    return {
      length: order.length,
      start: keys,
      pages: pick(s.dmas.cols.pages),
      vals: [pick(s.dmas.cols.iova)],
    };
  };
  const vendorByGfn = (s: StepState) => {
    const v = s.vendor;
    if (!v) return NONE;
    return v.kind === 'kvmgt' ? ranges(v.entries, 'gfn', 'pages', 'dma', 'kref') : translation(v.tracked, 'gfn', 'dma');
  };
  const vendorByDma = (s: StepState) => {
    const v = s.vendor;
    if (!v || v.kind !== 'kvmgt') return NONE;
    const dma = v.entries.cols.dma;
    // Sorted by device address; without a host IOMMU two gfns may share one dma_addr: keep the first.
    const order = Array.from({ length: v.entries.length }, (_, i) => i)
      .sort((x, y) => dma[x]! - dma[y]!)
      .filter((i, k, all) => k === 0 || dma[all[k - 1]!] !== dma[i]);
    const pick = (c: Float64Array) => Float64Array.from(order, (i) => c[i]!);
    return {
      length: order.length,
      start: pick(dma),
      pages: pick(v.entries.cols.pages),
      vals: [pick(v.entries.cols.gfn)],
    };
  };
  return {
    iova: union(
      hint ? hint.pt : diffSegments(pt(a), pt(b)),
      hint?.dmas ?? diffSegments(dmaSegments(a.dmas), dmaSegments(b.dmas)),
      diffSegments(translation(a.pins, 'iova', 'pfn', 'ref'), translation(b.pins, 'iova', 'pfn', 'ref')),
    ),
    hva: diffSegments(dmasByVaddr(a), dmasByVaddr(b)),
    hpa:
      hint?.hpa ?? diffSegments(ranges(a.hostPins, 'pfn', 'pages', 'pins'), ranges(b.hostPins, 'pfn', 'pages', 'pins')),
    gpa: diffSegments(vendorByGfn(a), vendorByGfn(b)),
    dma: union(diffSegments(gpu(a), gpu(b)), diffSegments(vendorByDma(a), vendorByDma(b))),
    iovad: diffSegments(a.iovad ? iovadSegments(a.iovad.ranges) : NONE, b.iovad ? iovadSegments(b.iovad.ranges) : NONE),
  };
}
