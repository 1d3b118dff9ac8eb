// The page's state around the loaded scenario: the preset list, which preset is loaded, the vGPU vendor
// model replacing the scenario's, and whether the worker is busy. A failed load keeps the previous
// scenario on screen and says why.

import { create } from 'zustand';

export interface PresetEntry {
  id: string;
  title: string;
  file: string;
  /** A guided tour: a caption on every step. */
  tour?: boolean;
}

export type Status = 'idle' | 'loading' | 'running' | 'cancelled' | 'error';

/** A scenario is being fetched or run: the worker is taken. */
export const isBusy = (status: Status): boolean => status === 'loading' || status === 'running';

export interface AppState {
  presets: PresetEntry[];
  presetId: string | null;
  status: Status;
  message: string | null;
  /** A command the message offers as a button; shown only while that message is (`for` is its text). */
  messageAction: { for: string; label: string; command: string } | null;
  /** A vendor model replacing the scenario's (a VENDOR_CONFIGS label), or null for the scenario's own. */
  vendor: string | null;
  /** A kernel behaviour profile replacing each case's own ("6.18"), or null for the case's. */
  kernel: string | null;
  set(patch: Partial<Omit<AppState, 'set'>>): void;
}

export const useAppStore = create<AppState>()((set) => ({
  presets: [],
  presetId: null,
  // The page starts by fetching the preset list and loading the first preset.
  status: 'loading',
  message: null,
  messageAction: null,
  vendor: null,
  kernel: null,
  set: (patch) => set(patch),
}));
