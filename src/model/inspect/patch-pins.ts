// Host pins of a step as an edit of an earlier step's: what the page-table runs and vfio_dma entries in
// the ranges a step touched pinned before is taken away and what they pin now is added, as ± counts
// over host frames; only the pin runs those counts touch are rewritten. Counts as host/pins.ts does
// (hostPinExtents), which reads everything. No kernel analogue.

import type { ProcessMemory } from '../host/memory';
import { sortPairs } from '../lib/radix';
import { firstEndingAfter } from '../lib/search';
import { TableBuilder } from '../lib/table';
import { touchingCuts, type TablePatch } from '../lib/table-patch';
import { ADDED, CHANGED, REMOVED, type Ranges } from './diff';
import type { StepState } from './state';

type HostPins = StepState['hostPins'];
type Dmas = StepState['dmas'];

/** ± changes of pin counts over host frames: +w from pfn, −w from pfn + pages. */
export class PinDeltas {
  private at: number[] = [];
  private w: number[] = [];

  add(pfn: number, pages: number, w: number): void {
    this.at.push(pfn, pfn + pages);
    this.w.push(w, -w);
  }

  /** Sorted, disjoint frame ranges where the count changes, as flat triples: lo, hi, by how much. */
  segments(): number[] {
    const at = Float64Array.from(this.at);
    const w = Float64Array.from(this.w);
    sortPairs(at, w);
    const out: number[] = [];
    let sum = 0;
    let from = 0;
    for (let k = 0; k < at.length;) {
      const x = at[k]!;
      if (sum !== 0 && x > from) {
        const n = out.length;
        if (n > 0 && out[n - 2] === from && out[n - 1] === sum) out[n - 2] = x;
        else out.push(from, x, sum);
      }
      for (; k < at.length && at[k] === x; k++) sum += w[k]!;
      from = x;
    }
    return out;
  }
}

/**
 * What one run of leaves pins, as hostPinExtents counts it (host/pins.ts): the part inside each iommu-mapped
 * vfio_dma, unless every frame there is reserved; a run that mixes reserved and ordinary frames leaf by leaf.
 */
export function pinsOfRun(
  iova: number,
  pfn: number,
  pages: number,
  /** Pages per leaf of the run. */
  size: number,
  dmas: Dmas,
  memory: ProcessMemory,
  w: number,
  out: PinDeltas,
): void {
  const { iova: dIova, pages: dPages, flags } = dmas.cols;
  const end = iova + pages;
  for (let k = firstEndingAfter(dIova, dPages, dmas.length, iova); k < dmas.length && dIova[k]! < end; k++) {
    if ((flags[k]! & 1) === 0) continue;
    const lo = Math.max(iova, dIova[k]!);
    const hi = Math.min(end, dIova[k]! + dPages[k]!);
    const reserved = memory.countReserved(pfn + lo - iova, hi - lo);
    if (reserved === 0) out.add(pfn + lo - iova, hi - lo, w);
    else if (reserved < hi - lo) {
      for (let leaf = iova + Math.floor((lo - iova) / size) * size; leaf < hi; leaf += size) {
        const a = Math.max(leaf, lo);
        const b = Math.min(leaf + size, hi);
        if (memory.countReserved(pfn + a - iova, b - a) < b - a) out.add(pfn + a - iova, b - a, w);
      }
    }
  }
}

/**
 * prev's host pin runs with `segments` (PinDeltas.segments) added, as an edit: the runs that touch a
 * segment are replaced. Also what changed (as diffSegments would say) and by how much the pinned pages
 * and the pins changed.
 */
export function spliceHostPins(
  prev: HostPins,
  segments: number[],
): { patch: TablePatch<'pfn' | 'pages' | 'pins'>; changes: Ranges; pages: number; pins: number } {
  const { pfn: pPfn, pages: pPages, pins: pPins } = prev.cols;
  const { cuts, first } = touchingCuts(pPfn, pPages, prev.length, segments, 3);
  const out = new TableBuilder(['pfn', 'pages', 'pins'] as const, 64);
  const emit = (lo: number, hi: number, count: number) => {
    if (hi <= lo || count === 0) return;
    if (count < 0) throw new Error(`host frame ${lo} would have ${count} pins`);
    // Runs of different cuts never touch: only runs of this cut merge here.
    if (out.length > 0 && out.last('pfn') + out.last('pages') === lo && out.last('pins') === count)
      out.setLast('pages', out.last('pages') + hi - lo);
    else out.push(lo, hi - lo, count);
  };
  const changes = new TableBuilder(['lo', 'pages', 'kind'] as const);
  const changed = (lo: number, hi: number, kind: number) => {
    if (changes.length > 0 && changes.last('kind') === kind && changes.last('lo') + changes.last('pages') === lo)
      changes.setLast('pages', changes.last('pages') + hi - lo);
    else changes.push(lo, hi - lo, kind);
  };
  let pages = 0;
  let pins = 0;
  const at: number[] = [];
  for (let c = 0; c < cuts.length; c += 2) {
    at.push(out.length);
    // The run of this cut being consumed: [cs, ce) with cp pins; i is the next one.
    let i = cuts[c]!;
    const end = cuts[c + 1]!;
    let cs = Infinity;
    let ce = Infinity;
    let cp = 0;
    const load = () => {
      if (i < end) {
        cs = pPfn[i]!;
        ce = cs + pPages[i]!;
        cp = pPins[i]!;
        i++;
      } else cs = ce = Infinity;
    };
    load();
    /** Everything of the cut's runs before frame x as it was. */
    const keepUntil = (x: number) => {
      while (cs < Infinity && ce <= x) {
        emit(cs, ce, cp);
        load();
      }
      if (cs < x) {
        emit(cs, x, cp);
        cs = x;
      }
    };
    for (let k = first[c / 2]!; k < first[c / 2 + 1]!; k++) {
      const lo = segments[3 * k]!;
      const hi = segments[3 * k + 1]!;
      const d = segments[3 * k + 2]!;
      keepUntil(lo);
      for (let x = lo; x < hi;) {
        const covered = cs <= x;
        const e = covered ? Math.min(ce, hi) : Math.min(cs, hi);
        const was = covered ? cp : 0;
        emit(x, e, was + d);
        changed(x, e, was === 0 ? ADDED : was + d === 0 ? REMOVED : CHANGED);
        pages += ((was + d > 0 ? 1 : 0) - (was > 0 ? 1 : 0)) * (e - x);
        pins += d * (e - x);
        x = e;
        if (covered) {
          cs = e;
          if (cs === ce) load();
        }
      }
    }
    for (; cs < Infinity; load()) emit(cs, ce, cp);
  }
  at.push(out.length);
  return {
    patch: { baseLength: prev.length, cuts: Float64Array.from(cuts), at: Float64Array.from(at), rows: out.build() },
    changes: changes.build(),
    pages,
    pins,
  };
}
