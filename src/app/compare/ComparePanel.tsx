// The 2016 designs and KVMGT side by side on the loaded scenario: pick the pinning policy, the host
// IOMMU mode and a metric; a chart of it along the case and a table of every cost at its end.
import { useEffect } from 'react';
import { usesVgpu } from '../../model/engine/compare';
import { costFormulas, TRACKING_FORMULAS } from '../../model/vendor/tracking/structs';
import { useCompareStore, type HostIommu, type Policy } from '../../state/compare';
import { useAppStore } from '../../state/store';
import { runCompare, stopCompare } from './actions';
import { CostChart } from './CostChart';
import { CostTable } from './CostTable';
import { configsFor, METRICS, type MetricKey } from './metrics';

export function ComparePanel() {
  const results = useAppStore((s) => s.results);
  const presetId = useAppStore((s) => s.presetId);
  const c = useCompareStore();
  // The page's own run and the comparison share the worker: the pickers wait for the run.
  const status = useAppStore((s) => s.status);
  const busy = status === 'loading' || status === 'running';
  const vgpuCases = results?.cases.filter((k) => usesVgpu(k.steps)) ?? [];
  const hasVgpu = vgpuCases.length > 0;

  useEffect(() => {
    if (hasVgpu) void runCompare();
  }, [results, presetId, hasVgpu, c.policy, c.hostIommu, status]);

  if (!hasVgpu) return null;
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
          <div className="picker">
            <label htmlFor="compare-case">Case</label>
            <select id="compare-case" value={caseId} onChange={(e) => c.set({ caseId: e.target.value })}>
              {vgpuCases.map((k) => (
                <option key={k.id} value={k.id}>
                  {k.id}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="picker">
          <label htmlFor="compare-policy">Pinning policy</label>
          <select
            id="compare-policy"
            disabled={busy}
            value={c.policy}
            onChange={(e) => c.set({ policy: e.target.value as Policy })}
          >
            <option value="pin-sparse">pin-sparse (pin each page on first use)</option>
            <option value="pin-all">pin-all (pin the whole region on first use)</option>
          </select>
        </div>
        <div className="picker">
          <label htmlFor="compare-iommu">Host IOMMU</label>
          <select
            id="compare-iommu"
            disabled={busy}
            value={c.hostIommu}
            onChange={(e) => c.set({ hostIommu: e.target.value as HostIommu })}
          >
            <option value="dma">on: dma_addr is an iova from dma-iommu</option>
            <option value="off">off: dma_addr is the host physical address</option>
          </select>
        </div>
        <div className="picker">
          <label htmlFor="compare-metric">Chart</label>
          <select id="compare-metric" value={c.metric} onChange={(e) => c.set({ metric: e.target.value as MetricKey })}>
            {METRICS.map((m) => (
              <option key={m.key} value={m.key}>
                {m.label}
              </option>
            ))}
          </select>
        </div>
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
        </ul>
      </details>
    </section>
  );
}
