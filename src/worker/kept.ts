// The page's side of what a state reply leaves out or sends as an edit: the host frames never change
// within a loaded case, so the worker sends them once and then marks them kept; the page-table runs and
// host pins of a step that changed little come as edits of the ones the reply before carried (applied in
// their buffers: the page holds one state at a time, and the one before is let go as this one comes in).
// Replies arrive in the order the worker sent them, so "the reply before" is the same one on both sides.
// Editing in place relies on nothing reading the state before once the new one is filled in: the
// pump puts it in the store before the page handles anything else (app/actions.ts), every view cache is
// keyed by a table or page-table object that an edit replaces, and the map's lowest level of detail
// reads the runs' own arrays.

import type { StepState } from '../model/inspect/state';
import { applyPatchInPlace } from '../model/lib/table-patch';
import type { StateReply } from './session';

export class KeptTables {
  private last: StepState | null = null;

  /** The reply's state with what it left out put back and its edits applied. */
  fill(r: StateReply): StepState {
    const s = r.state;
    const last = this.last;
    const needs = r.kept.length > 0 || r.patches.runs !== null || r.patches.hostPins !== null;
    if (needs && !last) throw new Error('a state reply refers to tables the page never had');
    if (last && needs) {
      if (r.kept.includes('frames')) s.frames = last.frames;
      if (r.kept.includes('hostPins')) s.hostPins = last.hostPins;
      else if (r.patches.hostPins) s.hostPins = applyPatchInPlace(last.hostPins, r.patches.hostPins);
      if (r.kept.includes('runs') || r.patches.runs) {
        if (!s.iommu || !last.iommu) throw new Error('page-table runs left out of a state without a page table');
        s.iommu.runs = r.patches.runs ? applyPatchInPlace(last.iommu.runs, r.patches.runs) : last.iommu.runs;
      }
    }
    this.last = s;
    return s;
  }
}
