// The side-by-side comparison's state: which vendor models are shown (pinning policy × host IOMMU mode),
// the metric charted, the case, and the cost rows computed so far for the loaded scenario, by model.

import { create } from 'zustand';
import type { ComparePoint, CompareRow } from '../model/engine/compare';

/** A cost charted along the case. */
export type MetricKey = Exclude<keyof ComparePoint, 'x' | 'step'>;

export type Policy = 'pin-sparse' | 'pin-all';
export type HostIommu = 'off' | 'dma';

export interface CompareState {
  policy: Policy;
  hostIommu: HostIommu;
  metric: MetricKey;
  caseId: string | null;
  /** The preset the rows belong to: rows of another preset are dropped. */
  presetId: string | null;
  rows: Record<string, CompareRow[]>;
  running: string | null;
  message: string | null;
  set(patch: Partial<Omit<CompareState, 'set'>>): void;
}

export const useCompareStore = create<CompareState>()((set) => ({
  policy: 'pin-sparse',
  hostIommu: 'dma',
  metric: 'tracking_bytes',
  caseId: null,
  presetId: null,
  rows: {},
  running: null,
  message: null,
  set: (patch) => set(patch),
}));
