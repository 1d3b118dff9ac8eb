// Runs the loaded scenario under each vendor model shown, one model per worker request so the chart and
// table fill in as results arrive and a newer request (another preset, a cancel) stops the rest.

import { useAppStore } from '../../state/store';
import { useCompareStore } from '../../state/compare';
import { Superseded } from '../../worker/client';
import { sim } from '../actions';
import { configsFor } from './metrics';

export async function runCompare(): Promise<void> {
  // Rows belong to the preset: a vendor override of the scenario does not change them (compare replaces it).
  const { scenario, presetId } = useAppStore.getState();
  const store = useCompareStore.getState();
  if (scenario === null || presetId === null) return;
  if (store.presetId !== presetId) store.set({ presetId, rows: {}, message: null, caseId: null });
  for (const cfg of configsFor(store.policy, store.hostIommu)) {
    if (useCompareStore.getState().rows[cfg.label]) continue;
    useCompareStore.getState().set({ running: cfg.label });
    try {
      const r = await sim().compareOne(scenario, cfg.label);
      if (useCompareStore.getState().presetId !== presetId) return;
      if (r.error) {
        useCompareStore.getState().set({ running: null, message: `${cfg.label}: ${r.error}` });
        return;
      }
      useCompareStore.getState().set({ rows: { ...useCompareStore.getState().rows, [cfg.label]: r.rows } });
    } catch (e) {
      if (e instanceof Superseded) return useCompareStore.getState().set({ running: null });
      useCompareStore.getState().set({ running: null, message: `${cfg.label}: ${(e as Error).message}` });
      return;
    }
  }
  useCompareStore.getState().set({ running: null });
}
