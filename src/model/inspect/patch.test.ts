import { describe, expect, it } from 'vitest';
import { V, hex, hexPage, modelSim, quiet, runModel } from '../../testing/type1-world';
import type { Sim } from '../engine/sim';
import { copyTables } from '../lib/table';
import { diffStates } from './diff';
import { inspectSince } from './patch';
import { mergeRanges } from './patch-runs';
import { inspect, type StepState } from './state';

// Hand-made cases for inspectSince where the random runs of inspect.property.test.ts seldom go: a run
// that merged across the edge of the range a step touched, on both sides of it.

function world(): Sim {
  return modelSim({ ...quiet, kernel: '6.18', iommu: [{ superpage: 0, snoop: false, id: 'gpu0' }] });
}

const map = (sim: Sim, page: number, pages: number) =>
  expect(
    runModel(sim, 'MAP_DMA', { flags: 3, vaddr: hexPage(V.R0 + page), iova: hexPage(page), size: hexPage(pages) }).ret,
  ).toBe(0);
const unmap = (sim: Sim, page: number, pages: number) =>
  expect(runModel(sim, 'UNMAP_DMA', { iova: hexPage(page), size: hex(pages * 4096) }).ret).toBe(0);

/** Runs `step` on sim and checks inspectSince against a reading from scratch; returns the new state. */
function stepAndCheck(sim: Sim, before: StepState, step: () => void): StepState {
  const table = sim.iommu.firstDomain!.table;
  table.takeChanged();
  step();
  const touched = table.takeChanged();
  const whole = inspect(sim);
  const got = inspectSince(sim, before, touched);
  expect(got).not.toBeNull();
  expect(got!.state).toEqual(whole);
  expect(diffStates(before, got!.state, got!.hint)).toEqual(diffStates(before, whole));
  // In place: the same state, in the earlier state's buffers when they have room.
  const inPlace = inspectSince(sim, copyTables(before), touched, { inPlace: true });
  expect(inPlace!.state).toEqual(whole);
  return whole;
}

describe('inspectSince', () => {
  it('re-reads a run that merged across the edges of what a step unmapped', () => {
    const sim = world();
    // Three mappings of contiguous memory: their leaves merge into one run of 24 pages. (A mapping far
    // from them makes the step small beside what the table holds: else it is read whole.)
    map(sim, 0, 8);
    map(sim, 8, 8);
    map(sim, 16, 8);
    map(sim, 1024, 64);
    let s = inspect(sim);
    expect(Array.from(s.iommu!.runs.cols.pages)).toEqual([24, 64]);
    s = stepAndCheck(sim, s, () => unmap(sim, 8, 8));
    expect(Array.from(s.iommu!.runs.cols.pages)).toEqual([8, 8, 64]);
    expect(s.hostPins.length).toBe(3);
    s = stepAndCheck(sim, s, () => map(sim, 8, 8));
    expect(Array.from(s.iommu!.runs.cols.pages)).toEqual([24, 64]);
    expect(Array.from(s.hostPins.cols.pages)).toEqual([24, 64]);
  });

  it('keeps the runs as they were when nothing in the table changed', () => {
    const sim = world();
    map(sim, 0, 8);
    const s = inspect(sim);
    const got = inspectSince(sim, s, [])!;
    expect(got.state.iommu!.runs).toBe(s.iommu!.runs);
    expect(got.state.hostPins).toBe(s.hostPins);
    expect(got.hint.pt.length).toBe(0);
    expect(got.edits).toEqual({ runs: null, hostPins: null });
  });

  it('gives up when the first domain is not the one the earlier state read', () => {
    const sim = world();
    const s = inspect(sim);
    expect(inspectSince(sim, { ...s, iommu: { ...s.iommu!, id: 'another' } }, [])).toBeNull();
  });
});

describe('mergeRanges', () => {
  it('sorts, merges overlapping and touching ranges, and drops empty ones', () => {
    expect(mergeRanges([10, 20, 0, 5, 5, 7, 30, 30, 15, 25])).toEqual([0, 7, 10, 25]);
  });
});
