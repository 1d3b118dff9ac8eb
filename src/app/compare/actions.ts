// Runs the loaded scenario under each vendor model shown, one model per worker request so the chart and
// table fill in as results arrive. It waits for the page's own run (the two share the worker, and the
// newest request supersedes the older), and a newer comparison or a cancel stops the rest.

import { isBusy, useAppStore } from '../../state/store';
import { useCompareStore } from '../../state/compare';
import { useSession } from '../../state/session';
import { Superseded, WorkerFailed } from '../../worker/client';
import { sim } from '../actions';
import { configsFor } from './metrics';

let latest = 0;

/** Fills the rows still missing. After a cancel it waits to be asked (`resume`), as the user stopped work. */
export async function runCompare(resume = false): Promise<void> {
  // Rows belong to the preset: a vendor override of the scenario does not change them (compare replaces it).
  const { presetId, status } = useAppStore.getState();
  const scenario = useSession.getState().doc;
  if (scenario === null || presetId === null || isBusy(status)) return;
  if (status === 'cancelled' && !resume) return;
  const me = ++latest;
  const mine = () => me === latest;
  const store = useCompareStore.getState();
  if (store.presetId !== presetId) store.set({ presetId, rows: {}, caseId: null });
  store.set({ message: null });
  const errors: string[] = [];
  for (const cfg of configsFor(store.policy, store.hostIommu)) {
    if (useCompareStore.getState().rows[cfg.label]) continue;
    useCompareStore.getState().set({ running: cfg.label });
    try {
      const r = await sim().compareOne(scenario, cfg.label);
      if (!mine()) return;
      if (r.error) errors.push(`${cfg.label}: ${r.error}`);
      else useCompareStore.getState().set({ rows: { ...useCompareStore.getState().rows, [cfg.label]: r.rows } });
    } catch (e) {
      if (e instanceof Superseded) {
        if (mine()) useCompareStore.getState().set({ running: null });
        return;
      }
      errors.push(`${cfg.label}: ${(e as Error).message}`);
      // A failed worker has been replaced; the next model would likely fail the same way.
      if (e instanceof WorkerFailed) break;
    }
  }
  useCompareStore.getState().set({ running: null, message: errors.length > 0 ? errors.join('; ') : null });
}

/** Stops the comparison: the worker is restarted, the rows so far stay, the rest waits to be asked. */
export function stopCompare(): void {
  latest++;
  sim().cancel();
  useCompareStore.getState().set({ running: null });
}
