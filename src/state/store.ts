// The page's state: which scenario is loaded, its results, and whether a run is in progress. A failed
// load or run keeps the previous scenario and results and says why.

import { create } from 'zustand';
import type { ResultsDoc } from '../model/engine/types';

export interface PresetEntry {
  id: string;
  title: string;
  file: string;
}

export type Status = 'idle' | 'loading' | 'running' | 'cancelled' | 'error';

/** A preset is being fetched or run: the worker is taken. */
export const isBusy = (status: Status): boolean => status === 'loading' || status === 'running';

export interface AppState {
  presets: PresetEntry[];
  presetId: string | null;
  scenario: unknown;
  results: ResultsDoc | null;
  status: Status;
  message: string | null;
  /** A vendor model replacing the scenario's (a VENDOR_CONFIGS label), or null for the scenario's own. */
  vendor: string | null;
  setVendor(vendor: string | null): void;
  setPresets(presets: PresetEntry[]): void;
  startLoading(presetId: string): void;
  startRunning(): void;
  finish(presetId: string, scenario: unknown, results: ResultsDoc): void;
  fail(message: string): void;
  cancelled(): void;
}

export const useAppStore = create<AppState>()((set) => ({
  presets: [],
  presetId: null,
  scenario: null,
  results: null,
  // The page starts by fetching the preset list and running the first preset.
  status: 'loading',
  message: null,
  vendor: null,
  setVendor: (vendor) => set({ vendor }),
  setPresets: (presets) => set({ presets }),
  startLoading: () => set({ status: 'loading', message: null }),
  startRunning: () => set({ status: 'running', message: null }),
  finish: (presetId, scenario, results) =>
    set({ presetId, scenario, results, status: 'idle', message: results.error ?? null }),
  fail: (message) => set({ status: 'error', message }),
  cancelled: () =>
    set({ status: 'cancelled', message: 'The run was cancelled; the results shown are from before it.' }),
}));
