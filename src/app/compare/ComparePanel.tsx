// The 2016 designs and KVMGT side by side on the loaded scenario: pick the pinning policy, the host
// IOMMU mode and a metric; a chart of it along the case and a table of every cost at its end.
import { useEffect } from 'react';
import { usesVgpu } from '../../model/mdev/configs';
import { costFormulas, IOVA_FREEING, TRACKING_FORMULAS } from '../../model/mdev/tracking/structs';
import { useCompareStore, type HostIommu, type Policy } from '../../state/compare';
import { useSession } from '../../state/session';
import { isBusy, useAppStore } from '../../state/store';
import { runCompare, stopCompare } from './actions';
import { CostChart } from './CostChart';
import { CostTable } from './CostTable';
import { Choice, type ChoiceOption } from '../Choice';
import { configsFor, METRICS } from './metrics';

const POLICIES: Array<ChoiceOption<Policy>> = [
  { value: 'pin-sparse', label: 'pin-sparse (pin each page on first use)' },
  { value: 'pin-all', label: 'pin-all (pin the whole region on first use)' },
];
const HOST_IOMMU: Array<ChoiceOption<HostIommu>> = [
  { value: 'dma', label: 'on: dma_addr is an iova from dma-iommu' },
  { value: 'off', label: 'off: dma_addr is the host physical address' },
];

export function ComparePanel() {
  const doc = useSession((s) => s.doc);
  const presetId = useAppStore((s) => s.presetId);
  const c = useCompareStore();
  // The page's own run and the comparison share the worker: the pickers wait for the run.
  const status = useAppStore((s) => s.status);
  const busy = isBusy(status);
  const cases = ((doc as { cases?: Array<{ id?: unknown; steps?: unknown }> } | null)?.cases ?? []).filter(
    (k): k is { id: string; steps: Array<{ op: string }> } => typeof k?.id === 'string' && Array.isArray(k.steps),
  );
  const vgpuCases = cases.filter((k) => usesVgpu(k.steps));
  const hasVgpu = vgpuCases.length > 0;

  useEffect(() => {
    if (hasVgpu) void runCompare();
  }, [doc, presetId, hasVgpu, c.policy, c.hostIommu, status]);

  if (!hasVgpu)
    return (
      <section className="panel compare">
        <h2>Vendor models side by side</h2>
        <p>
          This scenario has no vGPU steps (VGPU_MAP_GUEST_PAGE, VGPU_WORKLOAD …): pick a vGPU preset to compare the
          vendor models.
        </p>
      </section>
    );
  const caseId = vgpuCases.some((k) => k.id === c.caseId) ? c.caseId! : vgpuCases[0]!.id;
  const configs = configsFor(c.policy, c.hostIommu);
  const rows = configs.flatMap((cfg) => (c.rows[cfg.label] ?? []).filter((r) => r.case === caseId));
  const metric = METRICS.find((m) => m.key === c.metric)!;

  return (
    <section className="panel compare" aria-labelledby="compare-title">
      <h2 id="compare-title">Vendor models side by side</h2>
      <p>
        The same scenario under KVMGT as shipped and the four 2016 designs. Counts come from the structures the model
        builds, in the order the workload builds them.
      </p>
      <div className="controls">
        {vgpuCases.length > 1 && (
          <Choice
            id="compare-case"
            label="Case"
            value={caseId}
            options={vgpuCases.map((k) => ({ value: k.id, label: k.id }))}
            onChange={(id) => c.set({ caseId: id })}
          />
        )}
        <Choice
          id="compare-policy"
          label="Pinning policy"
          value={c.policy}
          options={POLICIES}
          onChange={(policy) => c.set({ policy })}
          disabled={busy}
        />
        <Choice
          id="compare-iommu"
          label="Host IOMMU"
          value={c.hostIommu}
          options={HOST_IOMMU}
          onChange={(hostIommu) => c.set({ hostIommu })}
          disabled={busy}
        />
        <Choice
          id="compare-metric"
          label="Chart"
          value={c.metric}
          options={METRICS.map((m) => ({ value: m.key, label: m.label }))}
          onChange={(metric) => c.set({ metric })}
        />
      </div>
      <p role="status" className="status" data-testid="compare-status">
        {c.running
          ? `Running ${c.running} (${rows.length} of ${configs.length} done)…`
          : `${rows.length} of ${configs.length} vendor models.`}
      </p>
      {c.running && (
        <div className="picker">
          <button type="button" onClick={stopCompare}>
            Stop
          </button>
        </div>
      )}
      {!c.running && !busy && rows.length < configs.length && (
        <div className="picker">
          <button type="button" onClick={() => void runCompare(true)}>
            Compare the remaining {configs.length - rows.length}
          </button>
        </div>
      )}
      {c.message && (
        <p role="alert" className="error">
          {c.message}
        </p>
      )}
      {rows.length > 0 && (
        <>
          <figure>
            <CostChart rows={rows} metric={c.metric} />
            <figcaption>{metric.label}</figcaption>
          </figure>
          <CostTable rows={rows} />
        </>
      )}
      <details>
        <summary>How the bytes are counted</summary>
        <ul>
          {costFormulas().map((f) => (
            <li key={f}>{f}</li>
          ))}
          {TRACKING_FORMULAS.map(([what, f]) => (
            <li key={what}>
              <strong>{what}</strong>: {f}
            </li>
          ))}
          <li>{IOVA_FREEING}.</li>
        </ul>
      </details>
    </section>
  );
}
