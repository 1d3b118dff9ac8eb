// A step's state read from an earlier step's state and the iova ranges of the first domain's page table
// written in between (VtdPageTable's change journal): inside those ranges the table is read again and the
// rest of the runs is copied; host pins change by what the runs and vfio_dma entries there pinned before
// and pin now. A step that remaps 16 GiB of a 1 TiB guest re-reads eight thousand leaves instead of half
// a million. The result is what inspect() reads from scratch (a property test holds it to that), and it
// says where to look for what changed. No kernel analogue.

import type { VtdPageTable } from '../iommu/vtd/table';
import type { ProcessMemory } from '../host/memory';
import { sortPairs } from '../lib/radix';
import { firstEndingAfter } from '../lib/search';
import { TableBuilder } from '../lib/table';
import type { Sim } from '../engine/sim';
import { ADDED, CHANGED, REMOVED, diffSegments, dmaSegments, type DiffHint, type Ranges } from './diff';
import { RunWriter, leafPages, type RunTable } from './runs';
import { inspect, pageTableView, type StepState } from './state';

type HostPins = StepState['hostPins'];
type Dmas = StepState['dmas'];

/** [lo, hi) pairs in any order, merged into sorted ranges that neither overlap nor touch. */
export function mergeRanges(pairs: readonly number[]): number[] {
  const order = Array.from({ length: pairs.length >> 1 }, (_, k) => k).sort((a, b) => pairs[2 * a]! - pairs[2 * b]!);
  const out: number[] = [];
  for (const k of order) {
    const lo = pairs[2 * k]!;
    const hi = pairs[2 * k + 1]!;
    if (hi <= lo) continue;
    const n = out.length;
    if (n > 0 && lo <= out[n - 1]!) out[n - 1] = Math.max(out[n - 1]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

/**
 * Each range widened until both ends fall between runs of `prev` and between leaves of `table`, then merged:
 * inside such a range the runs can be read again, outside it they are the same in both.
 */
function widen(ranges: number[], prev: RunTable, table: VtdPageTable): number[] {
  const { iova, pages } = prev.cols;
  const out: number[] = [];
  for (let k = 0; k < ranges.length; k += 2) {
    let lo = ranges[k]!;
    let hi = ranges[k + 1]!;
    for (;;) {
      let a = lo;
      let b = hi;
      const i = firstEndingAfter(iova, pages, prev.length, a);
      if (i < prev.length && iova[i]! < a) a = iova[i]!;
      a = Math.min(a, table.leafSpanAt(a)?.[0] ?? a);
      const j = firstEndingAfter(iova, pages, prev.length, b - 1);
      if (j < prev.length && iova[j]! < b) b = Math.max(b, iova[j]! + pages[j]!);
      b = Math.max(b, table.leafSpanAt(b - 1)?.[1] ?? b);
      if (a === lo && b === hi) break;
      lo = a;
      hi = b;
    }
    out.push(lo, hi);
  }
  return mergeRanges(out);
}

/** The first run of t starting at or after page p, for p between runs. */
const firstFrom = (t: RunTable, p: number) => firstEndingAfter(t.cols.iova, t.cols.pages, t.length, p);

/** prev's runs with the ranges `windows` (at run boundaries of both) read again from the domain. */
function patchRuns(prev: RunTable, table: VtdPageTable, windows: number[]): RunTable {
  const fresh = new RunWriter(64);
  for (let k = 0; k < windows.length; k += 2) fresh.read(table, windows[k], windows[k + 1]);
  const out = new RunWriter(prev.length + fresh.length);
  let at = 0;
  let f = 0;
  for (let k = 0; k < windows.length; k += 2) {
    const i0 = firstFrom(prev, windows[k]!);
    out.copy(prev, at, i0);
    at = firstFrom(prev, windows[k + 1]!);
    const fc = fresh;
    while (f < fc.length && fc.iova[f]! < windows[k + 1]!) {
      out.push(fc.iova[f]!, fc.pfn[f]!, fc.pages[f]!, fc.level[f]!, fc.bits[f]!);
      f++;
    }
  }
  out.copy(prev, at, prev.length);
  return out.build();
}

/** ± changes of pin counts over host frames: +w from pfn, −w from pfn + pages. */
class PinDeltas {
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
function pinsOfRun(
  iova: number,
  pfn: number,
  pages: number,
  level: number,
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
      const size = leafPages(level);
      for (let leaf = iova + Math.floor((lo - iova) / size) * size; leaf < hi; leaf += size) {
        const a = Math.max(leaf, lo);
        const b = Math.min(leaf + size, hi);
        if (memory.countReserved(pfn + a - iova, b - a) < b - a) out.add(pfn + a - iova, b - a, w);
      }
    }
  }
}

/** Host pin runs (sorted, disjoint, counts) with `segments` added: the new runs and where counts changed. */
function applyPins(prev: HostPins, segments: number[]): { hostPins: HostPins; hpa: Ranges } {
  const { pfn: pPfn, pages: pPages, pins: pPins } = prev.cols;
  let pfn = new Float64Array(prev.length + segments.length + 4);
  let pages = new Float64Array(pfn.length);
  let pins = new Float64Array(pfn.length);
  let n = 0;
  const reserve = (need: number) => {
    if (need <= pfn.length) return;
    const grow = (a: Float64Array) => {
      const b = new Float64Array(Math.max(need, 2 * a.length));
      b.set(a);
      return b;
    };
    pfn = grow(pfn);
    pages = grow(pages);
    pins = grow(pins);
  };
  const emit = (lo: number, hi: number, count: number) => {
    if (hi <= lo || count === 0) return;
    if (count < 0) throw new Error(`host frame ${lo} would have ${count} pins`);
    if (n > 0 && pfn[n - 1]! + pages[n - 1]! === lo && pins[n - 1] === count) {
      pages[n - 1]! += hi - lo;
      return;
    }
    reserve(n + 1);
    pfn[n] = lo;
    pages[n] = hi - lo;
    pins[n] = count;
    n++;
  };
  const hpa = new TableBuilder(['lo', 'pages', 'kind'] as const);
  const changed = (lo: number, hi: number, kind: number) => {
    if (hpa.length > 0 && hpa.last('kind') === kind && hpa.last('lo') + hpa.last('pages') === lo)
      hpa.setLast('pages', hpa.last('pages') + hi - lo);
    else hpa.push(lo, hi - lo, kind);
  };
  /** Copies prev's runs [a, b) (the first through emit, so it can merge). */
  const copy = (a: number, b: number) => {
    if (a >= b) return;
    emit(pPfn[a]!, pPfn[a]! + pPages[a]!, pPins[a]!);
    const more = b - a - 1;
    reserve(n + more);
    if (more < 64) {
      // A step's changes scatter over the frames: thousands of short copies, where a loop beats subarray + set.
      for (let k = a + 1; k < b; k++, n++) {
        pfn[n] = pPfn[k]!;
        pages[n] = pPages[k]!;
        pins[n] = pPins[k]!;
      }
      return;
    }
    pfn.set(pPfn.subarray(a + 1, b), n);
    pages.set(pPages.subarray(a + 1, b), n);
    pins.set(pPins.subarray(a + 1, b), n);
    n += more;
  };
  // The prev run being consumed: [cs, ce) with cp pins; i is the next one to load.
  let i = 0;
  let cs = Infinity;
  let ce = Infinity;
  let cp = 0;
  const load = () => {
    if (i < prev.length) {
      cs = pPfn[i]!;
      ce = cs + pPages[i]!;
      cp = pPins[i]!;
      i++;
    } else cs = ce = Infinity;
  };
  load();
  for (let k = 0; k < segments.length; k += 3) {
    const lo = segments[k]!;
    const hi = segments[k + 1]!;
    const d = segments[k + 2]!;
    if (ce <= lo) {
      emit(cs, ce, cp);
      const j = firstEndingAfter(pPfn, pPages, prev.length, lo);
      copy(i, j);
      i = j;
      load();
    }
    if (cs < lo) {
      emit(cs, lo, cp);
      cs = lo;
    }
    for (let x = lo; x < hi;) {
      if (cs <= x) {
        const e = Math.min(ce, hi);
        emit(x, e, cp + d);
        changed(x, e, cp + d === 0 ? REMOVED : CHANGED);
        x = cs = e;
        if (cs === ce) load();
      } else {
        const e = Math.min(cs, hi);
        emit(x, e, d);
        changed(x, e, ADDED);
        x = e;
      }
    }
  }
  if (cs < Infinity) emit(cs, ce, cp);
  copy(i, prev.length);
  return {
    hostPins: { length: n, cols: { pfn: pfn.subarray(0, n), pages: pages.subarray(0, n), pins: pins.subarray(0, n) } },
    hpa: hpa.build(),
  };
}

function sameTable(a: { length: number; cols: Record<string, Float64Array> }, b: typeof a): boolean {
  if (a.length !== b.length) return false;
  for (const k of Object.keys(a.cols)) {
    const x = a.cols[k]!;
    const y = b.cols[k]!;
    for (let i = 0; i < a.length; i++) if (x[i] !== y[i]) return false;
  }
  return true;
}

/**
 * The state of `sim`, read from `prev` (the state some steps before) and `touched`: the iova ranges of the
 * first domain's table written since, as [lo, hi) pairs. Null when the first domain is not the one prev
 * read (then only a reading from scratch will do).
 */
export function inspectSince(
  sim: Sim,
  prev: StepState,
  touched: readonly number[],
): { state: StepState; hint: DiffHint } | null {
  const d = sim.iommu.firstDomain;
  const before = prev.iommu;
  if (!d || !before || before.id !== d.id) return null;
  const windows = widen(mergeRanges(touched), before.runs, d.table);
  const hint: DiffHint = { iova: windows, hpa: null };
  const runs = windows.length === 0 ? before.runs : patchRuns(before.runs, d.table, windows);
  const memory = sim.iommu.memory;
  const state = inspect(sim, {
    // QEMU's memory never changes once built: the frames are prev's.
    frames: prev.frames,
    iommu: pageTableView(d, runs),
    hostPins: (pins, dmas) => {
      // vfio_pfn pins changed: count them all again (they are few; the runs are not read again).
      if (!sameTable(pins, prev.pins)) return null;
      const where = [...windows];
      const moved = diffSegments(dmaSegments(prev.dmas), dmaSegments(dmas));
      for (let k = 0; k < moved.length; k++) where.push(moved.cols.lo[k]!, moved.cols.lo[k]! + moved.cols.pages[k]!);
      const deltas = new PinDeltas();
      const { iova, pfn, pages, level } = before.runs.cols;
      const w = widen(mergeRanges(where), before.runs, d.table);
      for (let k = 0; k < w.length; k += 2) {
        for (let i = firstFrom(before.runs, w[k]!); i < before.runs.length && iova[i]! < w[k + 1]!; i++)
          pinsOfRun(iova[i]!, pfn[i]!, pages[i]!, level[i]!, prev.dmas, memory, -1, deltas);
        d.table.forEachLeafEntry(
          (at, lvl, value) => pinsOfRun(at, Math.floor(value / 4096), leafPages(lvl), lvl, dmas, memory, 1, deltas),
          w[k],
          w[k + 1],
        );
      }
      const r = applyPins(prev.hostPins, deltas.segments());
      hint.hpa = r.hpa;
      return r.hostPins;
    },
  });
  return { state, hint };
}
