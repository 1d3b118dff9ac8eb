// The loaded case as the page steps through it: what the worker said of the case and of each step, the
// step the user wants (cursor) and the one whose state is shown, that state's columns and what changed.
// The big columns are referenced, never copied; views read them through narrow selectors.

import { create } from 'zustand';
import type { Changes } from '../model/inspect/diff';
import type { StepState } from '../model/inspect/state';
import type { LoadInfo, StepSummary } from '../worker/session';

export interface Edit {
  /** The document before the edit, and where the user was. */
  doc: unknown;
  cursor: number;
  /** The first step the edit changed. */
  fromStep: number;
  what: string;
}

export interface SessionState {
  /** The scenario being stepped through (after the user's edits). */
  doc: unknown;
  /** Where it came from, for the header: a preset's title or a file name. */
  title: string;
  info: LoadInfo | null;
  /** The step the user asked for: 0 is the environment as built, n is after the n-th step. */
  cursor: number;
  /** The step whose state is on screen (the worker may still be on its way to `cursor`). */
  shown: number;
  state: StepState | null;
  changes: Changes | null;
  /** Step summaries fetched so far, by index; `summariesVersion` moves when it changes. */
  summaries: Map<number, StepSummary>;
  summariesVersion: number;
  undo: Edit[];
  set(patch: Partial<Omit<SessionState, 'set'>>): void;
}

export const useSession = create<SessionState>()((set) => ({
  doc: null,
  title: '',
  info: null,
  cursor: 0,
  shown: -1,
  state: null,
  changes: null,
  summaries: new Map(),
  summariesVersion: 0,
  undo: [],
  set: (patch) => set(patch),
}));

/** Steps in the loaded case. */
export const stepCount = (s: SessionState): number => s.info?.steps ?? 0;
