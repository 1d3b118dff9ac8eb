// A step's state read as an edit of an earlier step's state, given the iova ranges of the first domain's
// page table written in between (VtdPageTable's change journal): the page-table runs are re-read only
// there (patch-runs.ts) and host pins change only by what the runs and vfio_dma entries there pinned
// before and pin now (patch-pins.ts). The edits themselves are returned too: the worker sends them to the
// page instead of the tables. The state is what inspect() reads from scratch (a property test holds it to
// that); what changed comes with it. No kernel analogue.

import type { Sim } from '../engine/sim';
import { firstEndingAfter } from '../lib/search';
import { applyPatch, applyPatchInPlace, type TablePatch } from '../lib/table-patch';
import { diffSegments, dmaSegments, type DiffHint } from './diff';
import { PinDeltas, pinsOfRun, spliceHostPins } from './patch-pins';
import { mergeRanges, spliceRuns, widen } from './patch-runs';
import { leafTotal } from '../iommu/types';
import { levelPages } from '../iommu/vtd/pte';
import type { RunKey } from './runs';
import { inspect, pageTableView, type StepState } from './state';

/** The big tables of a state as edits of the earlier state's (null: unchanged, or read whole). */
export interface Edits {
  runs: TablePatch<RunKey> | null;
  hostPins: TablePatch<'pfn' | 'pages' | 'pins'> | null;
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
 * The state of `sim`, read as an edit of `prev` (the state some steps before) given `touched`: the iova
 * ranges [lo, hi) of the first domain's table written since. Null when the first domain is not the one
 * prev read, or when the steps changed more than `wholeAbove` of its leaves. `inPlace`: prev's
 * page-table runs and host pins are edited in their own buffers, for a caller that keeps one state at a
 * time (prev is not to be read afterwards).
 */
export function inspectSince(
  sim: Sim,
  prev: StepState,
  touched: readonly number[],
  opts: { inPlace?: boolean; wholeAbove?: number } = {},
): { state: StepState; hint: DiffHint; edits: Edits } | null {
  const d = sim.iommu.firstDomain;
  const before = prev.iommu;
  if (!d || !before || before.id !== d.id) return null;
  // A step that mapped or unmapped much of what is there (a whole guest) is read whole: as an edit it
  // would take every run out and put every leaf in, twice the work. Past `wholeAbove` of the leaves
  // (a quarter; the tests ask for edits of any size).
  const [a, b] = [leafTotal(before.leaves), leafTotal(d.leafCounts())];
  if (Math.abs(a - b) > (opts.wholeAbove ?? 0.25) * Math.max(a, b)) return null;
  const apply = opts.inPlace ? applyPatchInPlace : applyPatch;
  const runs = spliceRuns(before.runs, d.table, touched);
  const edits: Edits = { runs: runs.patch, hostPins: null };
  const hint: DiffHint = { pt: runs.changes, dmas: null, hpa: null };
  const memory = sim.iommu.memory;
  // The host pins are worked out from the runs as they were: before they are edited in place.
  const readPins = (pins: StepState['pins'], dmas: StepState['dmas']) => {
    const moved = diffSegments(dmaSegments(prev.dmas), dmaSegments(dmas));
    hint.dmas = moved;
    // vfio_pfn pins changed: count everything again (the runs are not read again).
    if (!sameTable(pins, prev.pins)) return null;
    const pairs: number[] = [];
    for (let k = 0; k < moved.length; k++) pairs.push(moved.cols.lo[k]!, moved.cols.lo[k]! + moved.cols.pages[k]!);
    const w = mergeRanges([...runs.windows, ...widen(mergeRanges(pairs), before.runs, d.table)]);
    const deltas = new PinDeltas();
    const { iova, pfn, pages, level } = before.runs.cols;
    for (let k = 0; k < w.length; k += 2) {
      for (
        let i = firstEndingAfter(iova, pages, before.runs.length, w[k]!);
        i < before.runs.length && iova[i]! < w[k + 1]!;
        i++
      )
        pinsOfRun(iova[i]!, pfn[i]!, pages[i]!, levelPages(level[i]!), prev.dmas, memory, -1, deltas);
      d.table.forEachLeaf(w[k]!, w[k + 1]!, (at, phys, n) => pinsOfRun(at, phys, n, n, dmas, memory, 1, deltas));
    }
    const s = spliceHostPins(prev.hostPins, deltas.segments());
    edits.hostPins = s.patch.rows.length > 0 || s.patch.cuts.length > 0 ? s.patch : null;
    hint.hpa = s.changes;
    return {
      table: edits.hostPins ? apply(prev.hostPins, s.patch) : prev.hostPins,
      pages: prev.gauges.pinnedPages + s.pages,
      pins: prev.gauges.pins + s.pins,
    };
  };
  const state = inspect(sim, {
    // QEMU's memory never changes once built: the frames are prev's.
    frames: prev.frames,
    iommu: () => pageTableView(d, runs.patch ? apply(before.runs, runs.patch) : before.runs),
    hostPins: readPins,
  });
  return { state, hint, edits };
}
